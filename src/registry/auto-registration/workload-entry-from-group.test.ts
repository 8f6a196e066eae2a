import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '../../api/resource.js';
import { autoRegisteredEntryName, workloadEntryFromGroup } from './workload-entry-from-group.js';

const group: Resource = {
  apiVersion: 'networking.istio.io/v1', kind: 'WorkloadGroup', metadata: { name: 'vm', namespace: 'ns' },
  spec: { metadata: { labels: { app: 'vm', tier: 'group' }, annotations: { team: 'a' } }, template: { serviceAccount: 'sa', labels: { tier: 'template', zone: 'z' }, ports: { http: 80 } }, probe: { httpGet: { port: 80 } } },
};

describe('workloadEntryFromGroup', () => {
  it("names entries as Istio does: group, IP with IPv6 colons as dashes, network", () => {
    assert.equal(autoRegisteredEntryName('vm', { namespace: 'ns', ipAddresses: ['198.18.0.9'], labels: {} }), 'vm-198.18.0.9');
    assert.equal(autoRegisteredEntryName('vm', { namespace: 'ns', ipAddresses: ['fd00::1'], labels: {}, network: 'net1' }), 'vm-fd00--1-net1');
    assert.equal(autoRegisteredEntryName('vm', { namespace: 'ns', ipAddresses: [], labels: {} }), undefined);
  });

  it('merges labels template < group < proxy and marks the entry', () => {
    const we = workloadEntryFromGroup('vm-198.18.0.9', { namespace: 'ns', ipAddresses: ['198.18.0.9'], labels: { zone: 'proxy' }, locality: { region: 'r', zone: 'z1', sub_zone: '' } }, group);
    const spec = we.spec as Record<string, unknown>;
    assert.deepEqual(spec.labels, { tier: 'group', zone: 'proxy', app: 'vm' });
    assert.equal(spec.address, '198.18.0.9');
    assert.equal(spec.serviceAccount, 'sa');
    assert.equal(spec.locality, 'r/z1');
    assert.deepEqual(we.metadata.annotations, { team: 'a', 'istio.io/autoRegistrationGroup': 'vm', 'proxy.istio.io/health-checks-enabled': 'true' });
    assert.equal(we.metadata.namespace, 'ns');
  });
});
