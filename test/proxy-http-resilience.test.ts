import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { HttpFilterConfig } from '../src/proxy/config/model.js';
import { HttpConnectionManager } from '../src/proxy/http/connection-manager.js';
import { SnapshotHolder } from '../src/proxy/config/snapshot-holder.js';
import { isPlexusError } from '../src/api/errors.js';
import { cluster, echoed, hcmConfig, request, ROUTER, route, routeConfig, silent, startProxy, startUpstream, vhost, type TestProxy } from './proxy-http-support.js';

const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
const CORS = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('retries', () => {
  let flaky: Awaited<ReturnType<typeof startUpstream>>;
  let healthy: Awaited<ReturnType<typeof startUpstream>>;
  let failures = 0;
  let proxy: TestProxy;
  let deadPort: number;

  before(async () => {
    // Fails the first `failures` requests with 503, then echoes.
    flaky = await startUpstream((req, res, body) => {
      if (failures > 0) {
        failures--;
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('busy');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ url: req.url, body, attempt: req.headers['x-envoy-attempt-count'] }));
    });
    healthy = await startUpstream();
    deadPort = await closedPort();
    const policy = { retryOn: ['5xx', 'connect-failure'], numRetries: 2, retriableStatusCodes: [], retryHostPredicatePreviousHosts: true, backoffBaseMs: 1, backoffMaxMs: 5 };
    const rc = routeConfig([
      vhost('v', ['*'], [
        route({ path: { kind: 'prefix', value: '/flaky' } }, { cluster: 'flaky', retryPolicy: policy }),
        route({ path: { kind: 'prefix', value: '/dead' } }, { cluster: 'dead', retryPolicy: policy }),
        route({ path: { kind: 'prefix', value: '/mixed' } }, { cluster: 'mixed', retryPolicy: policy }),
        route({ path: { kind: 'prefix', value: '/codes' } }, { cluster: 'flaky', retryPolicy: { ...policy, retryOn: ['retriable-status-codes'], retriableStatusCodes: [503] } }),
        route({ path: { kind: 'prefix', value: '/noretry' } }, { cluster: 'flaky' }),
      ]),
    ]);
    proxy = await startProxy(hcmConfig(rc), [cluster('flaky', [flaky.port]), cluster('dead', [deadPort]), cluster('mixed', [deadPort, healthy.port])], { retryBufferLimitBytes: 1024 });
  });
  after(async () => {
    await proxy.close();
    await flaky.close();
    await healthy.close();
  });

  it('retries 5xx and replays the request body', async () => {
    failures = 2;
    const n = proxy.records.length;
    const res = await request(proxy.port, { method: 'POST', path: '/flaky', body: 'payload' });
    assert.equal(res.status, 200);
    const e = JSON.parse(res.body) as { body: string; attempt: string };
    assert.equal(e.body, 'payload');
    assert.equal(e.attempt, '3');
    assert.equal(res.headers['x-envoy-attempt-count'], '3');
    assert.equal((await proxy.record(n)).attemptCount, 3);
  });

  it('retries exhausted: the last 5xx goes back with URX', async () => {
    failures = 5;
    const res = await request(proxy.port, { path: '/flaky' });
    assert.equal(res.status, 503);
    assert.equal(res.body, 'busy');
    assert.equal(res.headers['x-plexus-response-flags'], 'URX');
    failures = 0;
  });

  it('retriable-status-codes', async () => {
    failures = 1;
    assert.equal((await request(proxy.port, { path: '/codes' })).status, 200);
  });

  it('no retry policy: the 503 passes through', async () => {
    failures = 1;
    assert.equal((await request(proxy.port, { path: '/noretry' })).status, 503);
    failures = 0;
  });

  it('no retry when the body exceeds the replay buffer', async () => {
    failures = 1;
    const res = await request(proxy.port, { method: 'POST', path: '/flaky', body: 'x'.repeat(4096) });
    assert.equal(res.status, 503);
    failures = 0;
  });

  it('connect failure: 503 UF with Envoy\'s body, retries exhausted URX', async () => {
    const res = await request(proxy.port, { path: '/dead' });
    assert.equal(res.status, 503);
    assert.match(res.body, /^upstream connect error or disconnect\/reset before headers\. reset reason: connection failure/);
    assert.deepEqual(String(res.headers['x-plexus-response-flags']).split(',').sort(), ['UF', 'URX']);
  });

  it('previous-hosts: a retry after a connect failure lands on the other host', async () => {
    for (let i = 0; i < 6; i++) assert.equal((await request(proxy.port, { path: '/mixed' })).status, 200);
  });
});

describe('previous hosts and the failed host', () => {
  let healthy: Awaited<ReturnType<typeof startUpstream>>;
  let deadPort: number;
  let proxy: TestProxy;
  before(async () => {
    healthy = await startUpstream();
    deadPort = await closedPort();
    const policy = { retryOn: ['connect-failure'], numRetries: 1, retriableStatusCodes: [], backoffBaseMs: 1, backoffMaxMs: 2 };
    const byUser = [{ kind: 'header' as const, name: 'x-user', terminal: false }];
    const rc = routeConfig([
      vhost('v', ['*'], [
        route({ path: { kind: 'prefix', value: '/avoid' } }, { cluster: 'ring', hashPolicy: byUser, retryPolicy: { ...policy, retryHostPredicatePreviousHosts: true } }),
        route({ path: { kind: 'prefix', value: '/same' } }, { cluster: 'ring', hashPolicy: byUser, retryPolicy: { ...policy, retryHostPredicatePreviousHosts: false } }),
      ]),
    ]);
    proxy = await startProxy(hcmConfig(rc), [cluster('ring', [deadPort, healthy.port], { lbPolicy: 'RING_HASH' })]);
  });
  after(async () => {
    await proxy.close();
    await healthy.close();
  });

  /** A hash key the ring maps to the dead host, so the first attempt always fails. */
  function keyOnDeadHost(): string {
    for (let i = 0; i < 1000; i++) {
      if (proxy.upstream.pickEndpoint('ring', { hashKey: `header:user-${i}` })?.port === deadPort) return `user-${i}`;
    }
    throw new Error('no key maps to the dead host');
  }

  it('a connect failure names its host, so the retry skips it even when the hash points there', async () => {
    const user = keyOnDeadHost();
    const n = proxy.records.length;
    const res = await request(proxy.port, { path: '/avoid', headers: { 'x-user': user } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-envoy-attempt-count'], '2');
    const record = await proxy.record(n);
    assert.equal(record.attemptCount, 2);
    assert.equal(record.upstreamHost, `127.0.0.1:${healthy.port}`);
  });

  it('without the predicate the retry follows the hash again, and the access log names the failed host', async () => {
    const user = keyOnDeadHost();
    const n = proxy.records.length;
    const res = await request(proxy.port, { path: '/same', headers: { 'x-user': user } });
    assert.equal(res.status, 503);
    assert.deepEqual(String(res.headers['x-plexus-response-flags']).split(',').sort(), ['UF', 'URX']);
    const record = await proxy.record(n);
    assert.equal(record.attemptCount, 2);
    assert.equal(record.upstreamHost, `127.0.0.1:${deadPort}`);
  });
});

describe('timeouts', () => {
  let slow: Awaited<ReturnType<typeof startUpstream>>;
  let proxy: TestProxy;
  before(async () => {
    slow = await startUpstream((req, res) => {
      const delay = Number(req.headers['x-delay'] ?? 0);
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('late');
      }, delay);
    });
    const rc = routeConfig([
      vhost('v', ['*'], [
        route({ path: { kind: 'prefix', value: '/route' } }, { cluster: 'slow', timeoutMs: 150 }),
        route({ path: { kind: 'prefix', value: '/pertry' } }, {
          cluster: 'slow',
          timeoutMs: 2000,
          retryPolicy: { retryOn: ['5xx'], numRetries: 1, perTryTimeoutMs: 100, retriableStatusCodes: [], retryHostPredicatePreviousHosts: false, backoffBaseMs: 1 },
        }),
        route({ path: { kind: 'prefix', value: '/none' } }, { cluster: 'slow', timeoutMs: 0 }),
      ]),
    ]);
    proxy = await startProxy(hcmConfig(rc), [cluster('slow', [slow.port])]);
  });
  after(async () => {
    await proxy.close();
    await slow.close();
  });

  it('route timeout → 504 UT, expected-rq-timeout sent upstream', async () => {
    const res = await request(proxy.port, { path: '/route', headers: { 'x-delay': '1000' } });
    assert.equal(res.status, 504);
    assert.equal(res.body, 'upstream request timeout');
    assert.equal(res.headers['x-plexus-response-flags'], 'UT');
    const ok = await request(proxy.port, { path: '/route', headers: { 'x-delay': '0' } });
    assert.equal(ok.status, 200);
    assert.equal(slow.seen.at(-1)?.headers['x-envoy-expected-rq-timeout-ms'], '150');
  });

  it('per-try timeout retries, then 504 UT', async () => {
    const started = Date.now();
    const res = await request(proxy.port, { path: '/pertry', headers: { 'x-delay': '1000' } });
    assert.equal(res.status, 504);
    assert.ok(Date.now() - started < 900, 'two per-try timeouts, not the route timeout');
    assert.ok(String(res.headers['x-plexus-response-flags']).includes('UT'));
  });

  it('timeout 0 means none; trusted x-envoy-upstream-rq-timeout-ms overrides', async () => {
    assert.equal((await request(proxy.port, { path: '/none', headers: { 'x-delay': '300' } })).status, 200);
    const res = await request(proxy.port, { path: '/none', headers: { 'x-delay': '1000', 'x-envoy-upstream-rq-timeout-ms': '100' } });
    assert.equal(res.status, 504);
  });
});

describe('faults, mirrors, cors', () => {
  let main: Awaited<ReturnType<typeof startUpstream>>;
  let shadow: Awaited<ReturnType<typeof startUpstream>>;
  let proxy: TestProxy;
  before(async () => {
    main = await startUpstream();
    shadow = await startUpstream();
    const filters: HttpFilterConfig[] = [
      { name: 'envoy.filters.http.cors', typeUrl: CORS, config: {} },
      { name: 'envoy.filters.http.fault', typeUrl: FAULT, config: { delay: { header_delay: {}, percentage: { numerator: 100 } }, abort: { header_abort: {}, percentage: { numerator: 100 } } } },
      ROUTER,
    ];
    const corsPolicy = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
      allow_origin_string_match: [{ exact: 'https://app.example' }, { safe_regex: { regex: 'https://.*\\.trusted\\.example' } }],
      allow_methods: 'GET,POST',
      allow_headers: 'content-type,x-token',
      expose_headers: 'x-trace',
      max_age: '600',
      allow_credentials: { value: true },
    };
    const rc = routeConfig([
      vhost('v', ['*'], [
        route({ path: { kind: 'prefix', value: '/abort' } }, { cluster: 'main' }, { perFilterConfig: { 'envoy.filters.http.fault': { '@type': FAULT, abort: { http_status: 418, percentage: { numerator: 100, denominator: 'HUNDRED' } } } } }),
        route({ path: { kind: 'prefix', value: '/grpc-abort' } }, { cluster: 'main' }, { perFilterConfig: { 'envoy.filters.http.fault': { '@type': FAULT, abort: { grpc_status: 14, percentage: { numerator: 100 } } } } }),
        route({ path: { kind: 'prefix', value: '/delay' } }, { cluster: 'main' }, { perFilterConfig: { 'envoy.filters.http.fault': { '@type': FAULT, delay: { fixed_delay: { seconds: 0, nanos: 200_000_000 }, percentage: { numerator: 100 } } } } }),
        route({ path: { kind: 'prefix', value: '/never' } }, { cluster: 'main' }, { perFilterConfig: { 'envoy.filters.http.fault': { '@type': FAULT, abort: { http_status: 500, percentage: { numerator: 0 } } } } }),
        route({ path: { kind: 'prefix', value: '/mirror' } }, { cluster: 'main', mirrors: [{ cluster: 'shadow', fraction: 1 }] }),
        route({ path: { kind: 'prefix', value: '/' } }, { cluster: 'main' }),
      ], { perFilterConfig: { 'envoy.filters.http.cors': corsPolicy } }),
    ]);
    proxy = await startProxy(hcmConfig(rc, { httpFilters: filters }), [cluster('main', [main.port]), cluster('shadow', [shadow.port])]);
  });
  after(async () => {
    await proxy.close();
    await main.close();
    await shadow.close();
  });

  it('fault abort (per-route) → status, FI, Envoy body', async () => {
    const before = main.seen.length;
    const res = await request(proxy.port, { path: '/abort' });
    assert.equal(res.status, 418);
    assert.equal(res.body, 'fault filter abort');
    assert.equal(res.headers['x-plexus-response-flags'], 'FI');
    assert.equal(main.seen.length, before);
  });

  it('fault abort with a gRPC status → 200 trailers-only with grpc-status', async () => {
    const res = await request(proxy.port, { method: 'POST', path: '/grpc-abort', headers: { 'content-type': 'application/grpc' }, body: '' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['grpc-status'], '14');
    assert.equal(res.headers['content-type'], 'application/grpc');
  });

  it('fault delay (per-route) → DI and the request still goes through', async () => {
    const started = Date.now();
    const res = await request(proxy.port, { path: '/delay' });
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started >= 190);
    assert.equal(res.headers['x-plexus-response-flags'], 'DI');
  });

  it('0% fault never fires; header-controlled faults work only where configured', async () => {
    assert.equal((await request(proxy.port, { path: '/never' })).status, 200);
    const res = await request(proxy.port, { path: '/x', headers: { 'x-envoy-fault-abort-request': '429' } });
    assert.equal(res.status, 429);
    const d = Date.now();
    assert.equal((await request(proxy.port, { path: '/x', headers: { 'x-envoy-fault-delay-request': '150' } })).status, 200);
    assert.ok(Date.now() - d >= 140);
    assert.equal((await request(proxy.port, { path: '/x' })).status, 200);
  });

  it('mirrors get a copy with the -shadow authority, the body included', async () => {
    const before = shadow.seen.length;
    const res = await request(proxy.port, { method: 'POST', path: '/mirror', headers: { host: 'svc.example:8080' }, body: 'copy me' });
    assert.equal(res.status, 200);
    const deadline = Date.now() + 2000;
    while (shadow.seen.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const copy = shadow.seen.at(-1)!;
    assert.equal(copy.headers.host, 'svc.example-shadow:8080');
    assert.equal(copy.body, 'copy me');
    assert.equal(main.seen.at(-1)?.headers.host, 'svc.example:8080');
  });

  it('cors preflight is answered; simple requests get allow-origin; others untouched', async () => {
    const pre = await request(proxy.port, { method: 'OPTIONS', path: '/x', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
    assert.equal(pre.headers['access-control-allow-headers'], 'content-type,x-token');
    assert.equal(pre.headers['access-control-max-age'], '600');
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
    const simple = await request(proxy.port, { path: '/x', headers: { origin: 'https://a.trusted.example' } });
    assert.equal(simple.headers['access-control-allow-origin'], 'https://a.trusted.example');
    assert.equal(simple.headers['access-control-expose-headers'], 'x-trace');
    const other = await request(proxy.port, { path: '/x', headers: { origin: 'https://evil.example' } });
    assert.equal(other.status, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    // Local replies of later filters still carry CORS headers (encoder order).
    const aborted = await request(proxy.port, { path: '/abort', headers: { origin: 'https://app.example' } });
    assert.equal(aborted.status, 418);
    assert.equal(aborted.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(echoed((await request(proxy.port, { path: '/x' })).body).method, 'GET');
  });
});

describe('filter registry', () => {
  it('an unknown filter type fails at build time with a clear message', () => {
    const rc = routeConfig([vhost('v', ['*'], [])]);
    const holder = new SnapshotHolder();
    assert.throws(
      () =>
        new HttpConnectionManager(hcmConfig(rc, { httpFilters: [{ name: 'x', typeUrl: 'type.googleapis.com/example.Unknown', config: {} }, ROUTER] }), {
          snapshots: holder,
          upstream: { request: () => Promise.reject(new Error('unused')) },
          logger: silent,
        }),
      (err: unknown) => isPlexusError(err, 'PLEXUS_ERR_INVALID_CONFIG') && /unknown filter type type\.googleapis\.com\/example\.Unknown/.test((err as Error).message),
    );
    assert.throws(() =>
      new HttpConnectionManager(hcmConfig(rc, { httpFilters: [{ name: 'f', typeUrl: FAULT, config: { abort: { http_status: 42 } } }, ROUTER] }), {
        snapshots: holder,
        upstream: { request: () => Promise.reject(new Error('unused')) },
        logger: silent,
      }),
    /http_status 42/);
  });
});
