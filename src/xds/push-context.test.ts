import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../api/resource.js';
import { buildPushContext } from './push-context.js';

const NET = 'networking.istio.io/v1';
const svc = (name: string, ns: string, annotations?: Record<string, string>): Resource => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, annotations }, spec: { ports: [{ name: 'http', port: 80 }] } });
const dr = (name: string, ns: string, host: string, extra: Record<string, unknown> = {}): Resource => ({ apiVersion: NET, kind: 'DestinationRule', metadata: { name, namespace: ns }, spec: { host, ...extra } });
const vs = (name: string, ns: string, spec: Record<string, unknown>, created = '2025-01-01T00:00:00Z'): Resource => ({ apiVersion: NET, kind: 'VirtualService', metadata: { name, namespace: ns, creationTimestamp: created }, spec });

describe('PushContext', () => {
  const push = buildPushContext({
    resources: [
      svc('reviews', 'default'),
      svc('private', 'team', { 'networking.istio.io/exportTo': '.' }),
      dr('root', 'istio-system', 'reviews.default.svc.cluster.local'),
      dr('svc-ns', 'default', 'reviews'),
      dr('client-ns', 'client', 'reviews.default.svc.cluster.local'),
      dr('hidden', 'other', 'reviews.default.svc.cluster.local', { exportTo: ['.'] }),
      dr('wild', 'istio-system', '*.svc.cluster.local'),
      vs('gw-only', 'default', { hosts: ['reviews'], gateways: ['my-gateway'], http: [] }, '2024-01-01T00:00:00Z'),
      vs('newer', 'default', { hosts: ['reviews'], http: [] }, '2025-06-01T00:00:00Z'),
      vs('older', 'default', { hosts: ['reviews.default.svc.cluster.local'], http: [] }, '2025-01-01T00:00:00Z'),
      vs('local', 'client', { hosts: ['reviews.default.svc.cluster.local'], http: [], exportTo: ['.'] }),
    ],
  });

  it('honours exportTo on services', () => {
    assert.deepEqual(push.servicesFor({ namespace: 'default' }).map((s) => s.hostname), ['reviews.default.svc.cluster.local']);
    assert.deepEqual(push.servicesFor({ namespace: 'team' }).map((s) => s.hostname), ['private.team.svc.cluster.local', 'reviews.default.svc.cluster.local']);
  });

  it('picks VirtualServices: mesh-bound only, own namespace first, else the oldest', () => {
    assert.equal(push.virtualServiceFor({ namespace: 'default' }, 'reviews.default.svc.cluster.local')?.name, 'older');
    assert.equal(push.virtualServiceFor({ namespace: 'client' }, 'reviews.default.svc.cluster.local')?.name, 'local');
    assert.equal(push.virtualServiceFor({ namespace: 'x' }, 'reviews.default.svc.cluster.local')?.name, 'older');
  });

  it('picks DestinationRules in Istio order: client namespace, service namespace, root', () => {
    assert.equal(push.destinationRuleFor({ namespace: 'client' }, 'reviews.default.svc.cluster.local')?.name, 'client-ns');
    assert.equal(push.destinationRuleFor({ namespace: 'other' }, 'reviews.default.svc.cluster.local')?.name, 'hidden');
    assert.equal(push.destinationRuleFor({ namespace: 'elsewhere' }, 'reviews.default.svc.cluster.local')?.name, 'svc-ns');
    assert.equal(push.destinationRuleFor({ namespace: 'elsewhere' }, 'private.team.svc.cluster.local')?.name, 'wild');
  });
});
