import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { computeHashKey } from '../src/proxy/router/hash-key.js';
import { redirectLocation } from '../src/proxy/router/redirect.js';
import { compileRegex } from '../src/proxy/router/regex.js';
import { VirtualHostSelector } from '../src/proxy/router/virtual-host-selector.js';
import { pickWeightedCluster } from '../src/proxy/router/weighted-cluster.js';
import { validateRouteConfiguration } from '../src/proxy/router/route-table.js';
import { cluster, echoed, hcmConfig, request, route, routeConfig, startProxy, startUpstream, vhost, type TestProxy } from './proxy-http-support.js';

describe('virtual host selection (Envoy order)', () => {
  const sel = new VirtualHostSelector([
    { domains: ['*'], value: 'default' },
    { domains: ['api.example.com', 'api.example.com:8080'], value: 'exact' },
    { domains: ['*.example.com'], value: 'suffix' },
    { domains: ['*.api.example.com'], value: 'longer-suffix' },
    { domains: ['api.*'], value: 'prefix' },
  ]);
  it('prefers exact, then the longest suffix, then prefix, then *', () => {
    assert.equal(sel.select('api.example.com'), 'exact');
    assert.equal(sel.select('API.Example.com'), 'exact');
    assert.equal(sel.select('v1.api.example.com'), 'longer-suffix');
    assert.equal(sel.select('www.example.com'), 'suffix');
    assert.equal(sel.select('api.other.org'), 'prefix');
    assert.equal(sel.select('nothing.org'), 'default');
  });
  it('tries the authority with its port, then without', () => {
    assert.equal(sel.select('api.example.com:8080'), 'exact');
    assert.equal(sel.select('api.example.com:9999'), 'exact');
    assert.equal(sel.select('www.example.com:80'), 'suffix');
  });
  it('a wildcard stands for at least one character', () => {
    const s = new VirtualHostSelector([{ domains: ['*.example.com'], value: 'w' }]);
    assert.equal(s.select('.example.com'), undefined);
    assert.equal(s.select('example.com'), undefined);
  });
});

describe('router helpers', () => {
  it('regex rewrite uses Envoy\'s \\1 groups and RE2', () => {
    const re = compileRegex('^/service/([^/]+)(/.*)$');
    assert.equal(re.replaceAll('/service/foo/v1/api', '\\2/instance/\\1'), '/v1/api/instance/foo');
    assert.throws(() => compileRegex('(a'), /invalid RE2 regex/);
  });
  it('validateRouteConfiguration reports bad regexes', () => {
    const rc = routeConfig([vhost('v', ['*'], [route({ path: { kind: 'regex', value: '(' } }, { cluster: 'c' })])]);
    assert.equal(validateRouteConfiguration(rc).length, 1);
  });
  it('weighted cluster picks by weight', () => {
    const clusters = [{ name: 'a', weight: 1 }, { name: 'b', weight: 3 }];
    assert.equal(pickWeightedCluster(clusters, () => 0.1)?.name, 'a');
    assert.equal(pickWeightedCluster(clusters, () => 0.3)?.name, 'b');
    assert.equal(pickWeightedCluster(clusters, () => 0.99)?.name, 'b');
  });
  it('hash policies: header, terminal, cookie generation', () => {
    const req = { method: 'GET', path: '/?user=7', authority: 'h', scheme: 'http', headers: { 'x-user': 'bob' }, clientAddress: '127.0.0.1' };
    assert.equal(computeHashKey([{ kind: 'header', name: 'x-user', terminal: true }, { kind: 'source_ip', terminal: false }], req).key, 'header:bob');
    assert.equal(computeHashKey([{ kind: 'header', name: 'x-none', terminal: true }, { kind: 'query_parameter', name: 'user', terminal: false }], req).key, 'query_parameter:7');
    const c = computeHashKey([{ kind: 'cookie', name: 'sticky', ttlMs: 60_000, path: '/', terminal: false }], req);
    assert.ok(c.key);
    assert.match(c.setCookie ?? '', /^sticky="[0-9a-f]+"; Max-Age=60; Path=\/; HttpOnly$/);
    assert.equal(computeHashKey([], req).key, undefined);
  });
  it('redirect location keeps or swaps scheme, host, port, path and query', () => {
    const base = { responseCode: 301, stripQuery: false } as const;
    const req = { scheme: 'http', authority: 'a.com:80', path: '/x/y?q=1' };
    assert.equal(redirectLocation({ kind: 'redirect', ...base, schemeRedirect: 'https' }, req, { kind: 'prefix', value: '/' }), 'https://a.com/x/y?q=1');
    assert.equal(redirectLocation({ kind: 'redirect', ...base, hostRedirect: 'b.com', pathRedirect: '/new' }, req, { kind: 'prefix', value: '/' }), 'http://b.com/new?q=1');
    assert.equal(redirectLocation({ kind: 'redirect', ...base, prefixRewrite: '/z', stripQuery: true }, req, { kind: 'prefix', value: '/x' }), 'http://a.com:80/z/y');
  });
});

describe('routing through the connection manager', () => {
  let a: Awaited<ReturnType<typeof startUpstream>>;
  let b: Awaited<ReturnType<typeof startUpstream>>;
  let proxy: TestProxy;

  before(async () => {
    a = await startUpstream();
    b = await startUpstream();
    const rc = routeConfig(
      [
        vhost('api', ['api.example.com'], [
          route({ path: { kind: 'path', value: '/exact' } }, { cluster: 'a' }, { name: 'exact', responseHeadersToAdd: [{ key: 'x-level', value: 'route', action: 'overwrite' }] }),
          route({ path: { kind: 'prefix', value: '/CaSe' }, caseSensitive: false }, { cluster: 'b' }, { name: 'case' }),
          route({ path: { kind: 'regex', value: '/re/[0-9]+' } }, { cluster: 'b' }, { name: 'regex' }),
          route({ path: { kind: 'prefix', value: '/hdr' }, headers: [{ name: 'x-env', match: { kind: 'exact', value: 'canary' }, invert: false }] }, { cluster: 'b' }, { name: 'hdr-canary' }),
          route({ path: { kind: 'prefix', value: '/hdr' }, headers: [{ name: 'x-debug', absent: true, invert: false }] }, { cluster: 'a' }, { name: 'hdr-no-debug' }),
          route({ path: { kind: 'prefix', value: '/hdr' }, headers: [{ name: 'x-debug', match: { kind: 'exact', value: '1' }, invert: true }] }, { cluster: 'b' }, { name: 'hdr-debug-not-1' }),
          route({ path: { kind: 'prefix', value: '/q' }, queryParameters: [{ name: 'v', match: { kind: 'exact', value: '2' } }] }, { cluster: 'b' }, { name: 'query-v2' }),
          route({ path: { kind: 'prefix', value: '/q' }, queryParameters: [{ name: 'flag', presentMatch: true }] }, { cluster: 'a' }, { name: 'query-flag' }),
          route({ path: { kind: 'prefix', value: '/old/' } }, { cluster: 'a', prefixRewrite: '/new/', hostRewrite: 'rewritten.internal' }, { name: 'rewrite' }),
          route({ path: { kind: 'prefix', value: '/svc/' } }, { cluster: 'a', regexRewrite: { pattern: '^/svc/([^/]+)/(.*)$', substitution: '/\\2/by/\\1' } }, { name: 'regex-rewrite' }),
          route({ path: { kind: 'prefix', value: '/redirect' } }, {}, { name: 'redirect' }),
          route({ path: { kind: 'prefix', value: '/direct' } }, {}, { name: 'direct' }),
          route({ path: { kind: 'prefix', value: '/split' } }, { clusters: [{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }] }, { name: 'split' }),
          route({ path: { kind: 'prefix', value: '/nocluster' } }, { cluster: 'missing' }, { name: 'nc' }),
          route(
            { path: { kind: 'prefix', value: '/headers' } },
            { clusters: [{ name: 'a', weight: 1, requestHeadersToAdd: [{ key: 'x-order', value: 'cluster', action: 'overwrite' }] }] },
            {
              name: 'headers',
              requestHeadersToAdd: [{ key: 'x-order', value: 'route', action: 'overwrite' }, { key: 'x-multi', value: 'r', action: 'append' }],
              requestHeadersToRemove: ['x-remove-me'],
              responseHeadersToAdd: [{ key: 'x-resp', value: 'route', action: 'overwrite' }],
              responseHeadersToRemove: ['x-secret'],
            },
          ),
        ], {
          requestHeadersToAdd: [{ key: 'x-order', value: 'vhost', action: 'overwrite' }, { key: 'x-multi', value: 'v', action: 'append' }, { key: 'x-only-if-absent', value: 'vh', action: 'add_if_absent' }],
          responseHeadersToAdd: [{ key: 'x-vh', value: 'yes', action: 'overwrite' }],
        }),
        vhost('wild', ['*.wild.test'], [route({}, { cluster: 'b' }, { name: 'wild' })]),
      ],
      { requestHeadersToAdd: [{ key: 'x-rc', value: 'rc', action: 'overwrite' }], responseHeadersToAdd: [{ key: 'x-rc-resp', value: 'rc', action: 'overwrite' }] },
    );
    // Route actions that are not 'route' are patched in here to keep the table readable.
    const routes = rc.virtualHosts[0]!.routes as unknown as { name?: string; action: unknown }[];
    routes.find((r) => r.name === 'redirect')!.action = { kind: 'redirect', schemeRedirect: 'https', pathRedirect: '/moved', responseCode: 308, stripQuery: false };
    routes.find((r) => r.name === 'direct')!.action = { kind: 'direct_response', status: 418, body: 'short and stout' };
    proxy = await startProxy(hcmConfig(rc), [cluster('a', [a.port]), cluster('b', [b.port])]);
  });
  after(async () => {
    await proxy.close();
    await a.close();
    await b.close();
  });

  const portOf = (res: { headers: Record<string, unknown> }): number => Number(res.headers['x-upstream-port']);

  it('path exact / case-insensitive prefix / regex', async () => {
    assert.equal(portOf(await request(proxy.port, { path: '/exact', headers: { host: 'api.example.com' } })), a.port);
    assert.equal((await request(proxy.port, { path: '/exact/more', headers: { host: 'api.example.com' } })).status, 404);
    assert.equal(portOf(await request(proxy.port, { path: '/case/x', headers: { host: 'api.example.com' } })), b.port);
    assert.equal(portOf(await request(proxy.port, { path: '/re/123', headers: { host: 'api.example.com' } })), b.port);
    assert.equal((await request(proxy.port, { path: '/re/12a', headers: { host: 'api.example.com' } })).status, 404);
  });

  it('header matchers: exact, absent, inverted', async () => {
    assert.equal(portOf(await request(proxy.port, { path: '/hdr', headers: { host: 'api.example.com', 'x-env': 'canary' } })), b.port);
    assert.equal(portOf(await request(proxy.port, { path: '/hdr', headers: { host: 'api.example.com' } })), a.port);
    assert.equal(portOf(await request(proxy.port, { path: '/hdr', headers: { host: 'api.example.com', 'x-debug': '2' } })), b.port);
    assert.equal((await request(proxy.port, { path: '/hdr', headers: { host: 'api.example.com', 'x-debug': '1' } })).status, 404);
  });

  it('query parameter matchers', async () => {
    assert.equal(portOf(await request(proxy.port, { path: '/q?v=2', headers: { host: 'api.example.com' } })), b.port);
    assert.equal(portOf(await request(proxy.port, { path: '/q?v=3&flag', headers: { host: 'api.example.com' } })), a.port);
    assert.equal((await request(proxy.port, { path: '/q?v=3', headers: { host: 'api.example.com' } })).status, 404);
  });

  it('no virtual host or route → 404 NR with the flag header and record', async () => {
    const before = proxy.records.length;
    const res = await request(proxy.port, { path: '/', headers: { host: 'unknown.test' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers['x-plexus-response-flags'], 'NR');
    const rec = await proxy.record(before);
    assert.ok(rec.flags.has('NR'));
    assert.equal(rec.status, 404);
    assert.equal(rec.responseCodeDetails, 'route_not_found');
  });

  it('unknown cluster → 503 NC', async () => {
    const res = await request(proxy.port, { path: '/nocluster', headers: { host: 'api.example.com' } });
    assert.equal(res.status, 503);
    assert.equal(res.headers['x-plexus-response-flags'], 'NC');
  });

  it('wildcard domain with a port', async () => {
    assert.equal(portOf(await request(proxy.port, { path: '/', headers: { host: 'x.wild.test:8080' } })), b.port);
  });

  it('prefix rewrite and host rewrite, original path kept', async () => {
    const res = await request(proxy.port, { path: '/old/thing?x=1', headers: { host: 'api.example.com' } });
    const e = echoed(res.body);
    assert.equal(e.url, '/new/thing?x=1');
    assert.equal(e.headers['host'], 'rewritten.internal');
    assert.equal(e.headers['x-envoy-original-path'], '/old/thing?x=1');
  });

  it('regex rewrite', async () => {
    const res = await request(proxy.port, { path: '/svc/users/list?all=1', headers: { host: 'api.example.com' } });
    assert.equal(echoed(res.body).url, '/list/by/users?all=1');
  });

  it('redirect and direct response', async () => {
    const r = await request(proxy.port, { path: '/redirect?a=b', headers: { host: 'api.example.com' } });
    assert.equal(r.status, 308);
    assert.equal(r.headers['location'], 'https://api.example.com/moved?a=b');
    const d = await request(proxy.port, { path: '/direct', headers: { host: 'api.example.com' } });
    assert.equal(d.status, 418);
    assert.equal(d.body, 'short and stout');
    assert.equal(d.headers['x-vh'], 'yes');
  });

  it('weighted clusters spread requests', async () => {
    const ports = new Set<number>();
    for (let i = 0; i < 30; i++) ports.add(portOf(await request(proxy.port, { path: '/split', headers: { host: 'api.example.com' } })));
    assert.deepEqual([...ports].sort(), [a.port, b.port].sort());
  });

  it('header mutations in Envoy order (wider levels win), removal, response headers, hop-by-hop stripped', async () => {
    const res = await request(proxy.port, {
      path: '/headers',
      headers: { host: 'api.example.com', 'x-remove-me': '1', 'x-only-if-absent': 'client', connection: 'keep-alive, x-custom-hop', 'x-custom-hop': 'gone', 'keep-alive': '5' },
    });
    const e = echoed(res.body);
    assert.equal(e.headers['x-order'], 'vhost');
    assert.equal(e.headers['x-multi'], 'r, v');
    assert.equal(e.headers['x-rc'], 'rc');
    assert.equal(e.headers['x-only-if-absent'], 'client');
    assert.equal(e.headers['x-remove-me'], undefined);
    assert.equal(e.headers['x-custom-hop'], undefined);
    assert.equal(e.headers['keep-alive'], undefined);
    assert.equal(res.headers['x-resp'], 'route');
    assert.equal(res.headers['x-vh'], 'yes');
    assert.equal(res.headers['x-rc-resp'], 'rc');
    assert.equal(res.headers['x-hop'], 'drop-me');
    // Our own connection's keep-alive header, not the upstream's.
    assert.notEqual(res.headers['keep-alive'], 'timeout=5');
  });

  it('x-forwarded-proto, x-request-id, x-envoy-* timing headers', async () => {
    const res = await request(proxy.port, { path: '/exact', headers: { host: 'api.example.com' } });
    const e = echoed(res.body);
    assert.equal(e.headers['x-forwarded-proto'], 'http');
    assert.match(e.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(e.headers['x-envoy-attempt-count'], '1');
    assert.equal(e.headers['x-envoy-expected-rq-timeout-ms'], undefined);
    assert.match(String(res.headers['x-envoy-upstream-service-time']), /^\d+$/);
    const kept = echoed((await request(proxy.port, { path: '/exact', headers: { host: 'api.example.com', 'x-request-id': 'mine' } })).body);
    assert.equal(kept.headers['x-request-id'], 'mine');
    // use_remote_address is false: XFF is passed through, not appended (Envoy's rule).
    const xff = echoed((await request(proxy.port, { path: '/exact', headers: { host: 'api.example.com', 'x-forwarded-for': '198.18.0.9' } })).body);
    assert.equal(xff.headers['x-forwarded-for'], '198.18.0.9');
  });

  it('the request record carries route, cluster, upstream host and bytes', async () => {
    const n = proxy.records.length;
    await request(proxy.port, { method: 'POST', path: '/exact', headers: { host: 'api.example.com' }, body: 'hello' });
    const rec = await proxy.record(n);
    assert.equal(rec.routeName, 'exact');
    assert.equal(rec.virtualHostName, 'api');
    assert.equal(rec.cluster, 'a');
    assert.equal(rec.upstreamHost, `127.0.0.1:${a.port}`);
    assert.equal(rec.bytesReceived, 5);
    assert.ok(rec.bytesSent > 0);
    assert.equal(rec.status, 200);
    assert.equal(rec.protocol, 'HTTP/1.1');
    assert.equal(rec.responseCodeDetails, 'via_upstream');
    assert.ok((rec.durationMs ?? -1) >= 0);
  });
});

describe('use_remote_address (edge proxy)', () => {
  it('appends the peer to XFF, marks internal, and honours x-envoy timeouts only from internal peers', async () => {
    const up = await startUpstream();
    const rc = routeConfig([vhost('v', ['*'], [route({}, { cluster: 'a', timeoutMs: 5000 })])]);
    const proxy = await startProxy(hcmConfig(rc, { useRemoteAddress: true }), [cluster('a', [up.port])]);
    try {
      const res = await request(proxy.port, { headers: { 'x-forwarded-for': '203.0.113.7', 'x-envoy-upstream-rq-timeout-ms': '1234' } });
      const e = echoed(res.body);
      assert.equal(e.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
      // The peer (loopback) is internal: the header is honoured and consumed.
      assert.equal(e.headers['x-envoy-internal'], 'true');
      assert.equal(e.headers['x-envoy-expected-rq-timeout-ms'], '1234');
      assert.equal(e.headers['x-envoy-upstream-rq-timeout-ms'], undefined);
    } finally {
      await proxy.close();
      await up.close();
    }
  });
});
