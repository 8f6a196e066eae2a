// Router features end to end: a VirtualService and DestinationRules applied with `plexus
// apply` to a real controller, pushed over xDS to real sidecars in captured pods, exercised by
// requests leaving the client pod. Matches (path, header, query, method), weights, rewrite,
// redirect, directResponse, header ops, retries, timeout, faults, mirror, CORS; DestinationRule
// consistent hash, outlier detection and connection-pool limits.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parsePrometheus } from './proxy-admin-support.js';
import { httpRequest, type HttpResult } from './proxy-e2e-client.js';
import { E2eMesh, e2eSkipReason, waitUntil } from './proxy-e2e-support.js';

const skip = e2eSkipReason();
const HOST = 'echo.default.svc.cluster.local';
const to = (subset: string, weight?: number): string => `{ destination: { host: ${HOST}, subset: ${subset} }${weight !== undefined ? `, weight: ${weight}` : ''} }`;

const VIRTUAL_SERVICE = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: echo, namespace: default }
spec:
  hosts: [${HOST}]
  http:
  - match: [{ uri: { prefix: /direct } }]
    directResponse: { status: 418, body: { string: teapot } }
  - match: [{ uri: { prefix: /redirect } }]
    redirect: { uri: /elsewhere, authority: other.example.com }
  - match: [{ uri: { prefix: /rewrite } }]
    rewrite: { uri: /rewritten }
    route: [${to('v1')}]
  - match: [{ uri: { exact: /pathv2 } }]
    route: [${to('v2')}]
  - match: [{ headers: { x-version: { exact: v1 } } }]
    route: [${to('v1')}]
  - match: [{ queryParams: { pick: { exact: v2 } } }]
    route: [${to('v2')}]
  - match: [{ method: { exact: DELETE } }]
    route: [${to('v2')}]
  - match: [{ uri: { prefix: /headers } }]
    headers:
      request: { set: { x-added: "added" }, remove: [x-drop] }
      response: { add: { x-resp: "added" }, remove: [x-app-header] }
    route: [${to('v1')}]
  - match: [{ uri: { prefix: /flaky } }]
    retries: { attempts: 5, perTryTimeout: 2s, retryOn: 5xx }
    route: [{ destination: { host: ${HOST} } }]
  - match: [{ uri: { prefix: /noretry } }]
    retries: { attempts: 0 }
    route: [{ destination: { host: ${HOST} } }]
  - match: [{ uri: { prefix: /timeout } }]
    timeout: 0.3s
    route: [${to('v1')}]
  - match: [{ uri: { prefix: /abort } }]
    fault: { abort: { httpStatus: 503, percentage: { value: 100 } } }
    route: [${to('v1')}]
  - match: [{ uri: { prefix: /delay } }]
    fault: { delay: { fixedDelay: 0.4s, percentage: { value: 100 } } }
    route: [${to('v1')}]
  - match: [{ uri: { prefix: /mirror } }]
    mirror: { host: ${HOST}, subset: v2 }
    mirrorPercentage: { value: 100 }
    route: [${to('v1')}]
  - match: [{ uri: { prefix: /cors } }]
    corsPolicy: { allowOrigins: [{ exact: "https://a.example" }], allowMethods: [GET, POST], allowHeaders: [x-custom], maxAge: 24h }
    route: [${to('v1')}]
  - match: [{ uri: { prefix: /weights } }]
    route: [${to('v1', 80)}, ${to('v2', 20)}]
  - route: [{ destination: { host: ${HOST} } }]
`;

function destinationRule(trafficPolicy: string): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: echo, namespace: default }
spec:
  host: ${HOST}
  trafficPolicy: ${trafficPolicy}
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
`;
}

function instances(results: readonly HttpResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const key = r.status === 200 && r.echo ? r.echo.instance : `status-${r.status}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

describe('proxy e2e: VirtualService and DestinationRule features', { skip, timeout: 90_000 }, () => {
  let mesh: E2eMesh;
  let port = 0;
  const get = (path: string, o: Parameters<typeof httpRequest>[1] = {}): Promise<HttpResult> => httpRequest(port, { path, ...o });

  before(async () => {
    mesh = await E2eMesh.start({ prefix: 'pxe2', octet: 72, extraConfig: VIRTUAL_SERVICE, mtls: true });
    port = await mesh.forward(`${mesh.vip}:9080`);
    // The VirtualService is in the first push, but wait until the client sidecar serves it.
    await waitUntil('VirtualService served', async () => (await get('/direct')).status === 418, 10_000, () => mesh.logs());
  });
  after(async () => {
    assert.deepEqual(await mesh?.stop() ?? [], []);
  });

  it('matches path, header, query parameter and method', async () => {
    for (let i = 0; i < 5; i++) {
      assert.equal((await get('/pathv2')).echo?.instance, 'v2');
      assert.equal((await get('/any', { headers: { 'x-version': 'v1' } })).echo?.instance, 'v1');
      assert.equal((await get('/q?pick=v2')).echo?.instance, 'v2');
      assert.equal((await get('/m', { method: 'DELETE' })).echo?.instance, 'v2');
    }
    const spread = instances(await Promise.all(Array.from({ length: 20 }, () => get('/default'))));
    assert.ok((spread.v1 ?? 0) > 0 && (spread.v2 ?? 0) > 0, `default route uses both: ${JSON.stringify(spread)}`);
  });

  it('splits by weight (80/20 over 300 requests)', async () => {
    const results: HttpResult[] = [];
    for (let i = 0; i < 300; i += 30) results.push(...(await Promise.all(Array.from({ length: 30 }, () => get('/weights')))));
    const c = instances(results);
    assert.ok((c.v1 ?? 0) >= 200 && (c.v1 ?? 0) <= 280, `v1 got ${c.v1} of 300`);
    assert.equal((c.v1 ?? 0) + (c.v2 ?? 0), 300);
  });

  it('rewrites, redirects and answers directly', async () => {
    const rw = await get('/rewrite/x');
    assert.equal(rw.echo?.url, '/rewritten/x');
    const rd = await get('/redirect');
    assert.equal(rd.status, 301);
    assert.equal(rd.headers.location, 'http://other.example.com/elsewhere');
    const dr = await get('/direct');
    assert.equal(dr.status, 418);
    assert.equal(dr.body, 'teapot');
  });

  it('applies request and response header operations', async () => {
    const r = await get('/headers', { headers: { 'x-drop': 'me' } });
    assert.equal(r.echo?.headers['x-added'], 'added');
    assert.equal(r.echo?.headers['x-drop'], undefined);
    assert.equal(r.headers['x-resp'], 'added');
    assert.equal(r.headers['x-app-header'], undefined);
  });

  it('retries 5xx onto the other host of the cluster; without retries some fail', async () => {
    const withRetries = await Promise.all(Array.from({ length: 30 }, () => get('/flaky?fail=v2')));
    assert.deepEqual(instances(withRetries), { v1: 30 });
    const without = instances(await Promise.all(Array.from({ length: 30 }, () => get('/noretry?fail=v2'))));
    assert.ok((without['status-503'] ?? 0) > 0 && (without.v1 ?? 0) > 0, JSON.stringify(without));
  });

  it('times out a slow upstream with 504, and injects abort and delay faults', async () => {
    const started = Date.now();
    const slow = await get('/timeout?delay=1500');
    assert.equal(slow.status, 504);
    assert.ok(Date.now() - started < 1200, 'answered at the route timeout');
    assert.equal((await get('/abort')).status, 503);
    const t0 = Date.now();
    assert.equal((await get('/delay')).status, 200);
    assert.ok(Date.now() - t0 >= 380, `delayed ${Date.now() - t0} ms`);
  });

  it('mirrors to v2 while answering from v1', async () => {
    const served = async (): Promise<number> => {
      const text = await (await fetch(`http://${mesh.pods.v2.record.address}:15090/stats/prometheus`)).text();
      return (parsePrometheus(text).get('istio_requests_total')?.samples ?? []).filter((s) => s.labels.reporter === 'destination').reduce((n, s) => n + s.value, 0);
    };
    const before = await served();
    for (let i = 0; i < 5; i++) assert.equal((await get('/mirror')).echo?.instance, 'v1');
    await waitUntil('mirrored requests reached v2', async () => (await served()) >= before + 5, 5000);
  });

  it('answers CORS preflights and decorates actual requests', async () => {
    const pre = await get('/cors', { method: 'OPTIONS', headers: { origin: 'https://a.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-custom' } });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://a.example');
    assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
    const actual = await get('/cors', { headers: { origin: 'https://a.example' } });
    assert.equal(actual.headers['access-control-allow-origin'], 'https://a.example');
    const other = await get('/cors', { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  it('DestinationRule consistent hash pins a header value to one instance', async () => {
    await mesh.apply(destinationRule('{ loadBalancer: { consistentHash: { httpHeaderName: x-user } } }'));
    const pinned = async (user: string): Promise<boolean> => {
      const got = instances(await Promise.all(Array.from({ length: 12 }, () => get('/hash', { headers: { 'x-user': user } }))));
      return Object.keys(got).length === 1;
    };
    await waitUntil('ring hash in effect', async () => (await pinned('alice')) && (await pinned('bob')) && (await pinned('carol')), 10_000);
    const users = await Promise.all(Array.from({ length: 12 }, (_, i) => get('/hash', { headers: { 'x-user': `user-${i}` } })));
    assert.ok(Object.keys(instances(users)).length === 2, 'different users spread over both instances');
  });

  it('DestinationRule outlier detection ejects the failing instance', async () => {
    await mesh.apply(destinationRule('{ outlierDetection: { consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 100 } }'));
    // Let the new cluster config arrive (the hash policy disappears from the cluster).
    await new Promise((r) => setTimeout(r, 1000));
    await waitUntil('v2 ejected', async () => {
      const burst = await Promise.all(Array.from({ length: 10 }, () => get('/outlier?fail=v2')));
      return burst.every((r) => r.status === 200);
    }, 15_000);
    const after = instances(await Promise.all(Array.from({ length: 20 }, () => get('/outlier?fail=v2'))));
    assert.deepEqual(after, { v1: 20 });
  });

  it('DestinationRule connection pool limits overflow with 503', async () => {
    await mesh.apply(destinationRule('{ connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, http2MaxRequests: 1, maxRequestsPerConnection: 1 } } }'));
    await waitUntil('pool limits in effect', async () => {
      const burst = await Promise.all(Array.from({ length: 10 }, () => get('/pool?delay=300')));
      return burst.some((r) => r.status === 503) && burst.some((r) => r.status === 200);
    }, 15_000);
  });
});
