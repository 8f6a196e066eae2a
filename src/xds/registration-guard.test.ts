import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { Resource } from '../api/resource.js';
import { parseNode } from './proxy.js';
import { buildPushContext } from './push-context.js';
import { registrationGuard } from './registration-guard.js';
import { permissionDenied } from './stream-authorizer.js';
import { jsonToStruct } from './struct.js';

const NET = 'networking.istio.io/v1';
const resources: Resource[] = [
  { apiVersion: NET, kind: 'WorkloadGroup', metadata: { name: 'vm', namespace: 'ns1' }, spec: { template: { serviceAccount: 'vm-sa' } } },
  { apiVersion: NET, kind: 'WorkloadGroup', metadata: { name: 'open', namespace: 'ns1' }, spec: { template: {} } },
  { apiVersion: NET, kind: 'WorkloadEntry', metadata: { name: 'db', namespace: 'ns1' }, spec: { address: '198.18.100.5', serviceAccount: 'db-sa' } },
  // An entry someone made under the name auto-registration would give 198.18.100.9 in group "open".
  { apiVersion: NET, kind: 'WorkloadEntry', metadata: { name: 'open-198.18.100.9', namespace: 'ns1' }, spec: { address: '198.18.100.9', serviceAccount: 'owner-sa' } },
];
const ctx = buildPushContext({ resources });

function proxy(meta: Record<string, unknown>, ip = '198.18.100.1'): ReturnType<typeof parseNode> {
  return parseNode({ id: `sidecar~${ip}~w.ns1~ns1.svc.cluster.local`, metadata: jsonToStruct({ NAMESPACE: 'ns1', INSTANCE_IPS: ip, ...meta }) });
}

describe('registrationGuard', () => {
  const cases: Array<[string, boolean, Record<string, unknown>, string | undefined, RegExp | undefined]> = [
    ['plaintext node without registration metadata', false, { SERVICE_ACCOUNT: 'x' }, undefined, undefined],
    ['plaintext auto-registration', false, { AUTO_REGISTER_GROUP: 'vm', SERVICE_ACCOUNT: 'vm-sa' }, undefined, /requires a verified identity/],
    ['plaintext WORKLOAD_ENTRY', false, { WORKLOAD_ENTRY: 'db', SERVICE_ACCOUNT: 'db-sa' }, undefined, /control of WorkloadEntry ns1\/db requires a verified identity/],
    ['verified, group service account', true, { AUTO_REGISTER_GROUP: 'vm', SERVICE_ACCOUNT: 'vm-sa' }, undefined, undefined],
    ['verified, another service account than the group', true, { AUTO_REGISTER_GROUP: 'vm', SERVICE_ACCOUNT: 'other' }, undefined, /service account mismatch.*"other".*WorkloadGroup ns1\/vm runs as "vm-sa"/],
    ['verified, group without a service account', true, { AUTO_REGISTER_GROUP: 'open', SERVICE_ACCOUNT: 'any' }, undefined, undefined],
    ['verified, the entry it would create exists with another account', true, { AUTO_REGISTER_GROUP: 'open', SERVICE_ACCOUNT: 'any' }, '198.18.100.9', /WorkloadEntry ns1\/open-198.18.100.9 runs as "owner-sa"/],
    ['verified, the entry\'s account', true, { WORKLOAD_ENTRY: 'db', SERVICE_ACCOUNT: 'db-sa' }, undefined, undefined],
    ['verified, not the entry\'s account', true, { WORKLOAD_ENTRY: 'db', SERVICE_ACCOUNT: 'web' }, undefined, /service account mismatch/],
    ['verified, a group not pushed yet (left to the controller)', true, { AUTO_REGISTER_GROUP: 'later', SERVICE_ACCOUNT: 'x' }, undefined, undefined],
  ];
  for (const [name, verified, meta, ip, refused] of cases) {
    it(name, () => {
      const guard = registrationGuard({ verified, pushContext: () => ctx });
      const r = guard({ peerCertificateDer: undefined, proxy: proxy(meta, ip) });
      if (!refused) return assert.equal(r, undefined);
      assert.equal(r?.code, status.PERMISSION_DENIED);
      assert.match(r!.details, refused);
    });
  }

  it('asks the port\'s own rule first and passes its refusal on', () => {
    const guard = registrationGuard({ verified: true, pushContext: () => ctx, authorize: () => permissionDenied('not your node') });
    assert.equal(guard({ peerCertificateDer: undefined, proxy: proxy({}) })?.details, 'not your node');
    assert.equal(registrationGuard({ verified: false, pushContext: () => ctx })({ peerCertificateDer: undefined, proxy: undefined }), undefined);
  });
});
