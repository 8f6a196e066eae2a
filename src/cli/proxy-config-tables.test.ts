import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterTable, describeManagement, endpointTable, routeTable } from './proxy-config-tables.js';
import { statusWord } from './proxy-status.js';
import { renderTabTable } from './tab-table.js';

describe('proxy-config and proxy-status tables', () => {
  it('pads like Go tabwriter: every column but the last', () => {
    assert.equal(renderTabTable([['A', 'BB', 'C'], ['long', 'x', 'y']], 2), 'A     BB  C\nlong  x   y\n');
  });

  it('prints clusters in istioctl order with the DestinationRule from metadata', () => {
    const out = clusterTable([
      { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', type: 'EDS', metadata: { filter_metadata: { istio: { config: '/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews' } } } },
      { name: 'BlackHoleCluster' },
      { name: 'outbound|9080||reviews.default.svc.cluster.local', type: 'EDS' },
    ]);
    assert.deepEqual(out.trimEnd().split('\n').map((l) => l.trimEnd().split(/\s{2,}/).join('|')), [
      'SERVICE FQDN|PORT|SUBSET|DIRECTION|TYPE|DESTINATION RULE',
      'BlackHoleCluster|-|-|-|STATIC',
      'reviews.default.svc.cluster.local|9080|-|outbound|EDS',
      'reviews.default.svc.cluster.local|9080|v1|outbound|EDS|reviews.default',
    ]);
    assert.equal(describeManagement(undefined), '');
  });

  it('prints routes and endpoints', () => {
    const routes = routeTable([{ name: '9080', virtual_hosts: [{ name: 'reviews.default.svc.cluster.local:9080', domains: ['reviews.default.svc.cluster.local', 'reviews', '198.19.0.1'], routes: [{ match: { prefix: '/' } }] }] }]);
    assert.match(routes, /^9080\s+reviews\.default\.svc\.cluster\.local:9080\s+reviews\s+\/\*\s*$/m);
    const eps = endpointTable([{ cluster_name: 'outbound|80||a', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '198.18.0.1', port_value: 80 } } }, health_status: 'UNHEALTHY' }] }] }]);
    assert.match(eps, /^198\.18\.0\.1:80\s+UNHEALTHY\s+OK\s+outbound\|80\|\|a$/m);
  });

  it("uses istioctl's sync words", () => {
    const base = { state: 'SYNCED' as const, sent_version: 'v', acked_version: 'v', subscribed: [] };
    assert.equal(statusWord(undefined), 'NOT SENT');
    assert.equal(statusWord({ ...base, nonce_sent: '2', nonce_acked: '2' }), 'SYNCED');
    assert.equal(statusWord({ ...base, state: 'STALE', nonce_sent: '2', nonce_acked: '1' }), 'STALE');
    assert.equal(statusWord({ ...base, state: 'STALE', nonce_sent: '1', nonce_acked: '' }), 'STALE (Never Acknowledged)');
    assert.equal(statusWord({ ...base, state: 'NACKED', nonce_sent: '1', nonce_acked: '' }), 'NACKED');
  });
});
