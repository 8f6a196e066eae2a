import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookupKind } from '../api/kinds/registry.js';
import type { Resource } from '../api/resource.js';
import { renderTable } from './get-table.js';
import { humanAge } from './human-age.js';

describe('get table', () => {
  it('formats ages like kubectl', () => {
    const s = 1000;
    assert.deepEqual(
      [5 * s, 119 * s, 150 * s, 600 * s, 3 * 3600 * s, 3 * 3600 * s + 60 * s, 30 * 3600 * s, 50 * 3600 * s, 10 * 86400 * s, 800 * 86400 * s].map(humanAge),
      ['5s', '119s', '2m30s', '10m', '3h', '3h1m', '30h', '2d2h', '10d', '2y70d'],
    );
  });

  it('prints Istio\'s printer columns, NAMESPACE with -A', () => {
    const now = Date.parse('2024-01-01T00:01:00Z');
    const r = (ns: string, name: string, s: Record<string, unknown>): Resource => ({
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService',
      metadata: { name, namespace: ns, creationTimestamp: '2024-01-01T00:00:00Z' }, spec: s,
    });
    const items = [r('default', 'reviews', { hosts: ['reviews'] }), r('prod', 'bookinfo', { hosts: ['*'], gateways: ['bookinfo-gateway'] })];
    assert.equal(renderTable(lookupKind('vs')!, items, { allNamespaces: true, wide: false, now }), [
      'NAMESPACE   NAME       GATEWAYS               HOSTS         AGE',
      'default     reviews                           ["reviews"]   60s',
      'prod        bookinfo   ["bookinfo-gateway"]   ["*"]         60s',
      '',
    ].join('\n'));
    assert.match(renderTable(lookupKind('gw')!, [], { allNamespaces: false, wide: false }), /^NAME   AGE\n$/);
  });
});
