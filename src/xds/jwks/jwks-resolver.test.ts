import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { JwksResolver, type JwksResolverOptions, type JwksSource } from './jwks-resolver.js';

const DOC_A = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'a', e: 'AQAB', n: 'aaaa' }] });
const DOC_B = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'b', e: 'AQAB', n: 'bbbb' }] });

/** A real JWKS server on loopback whose answers the tests change. */
interface KeyServer {
  base: string;
  server: http.Server;
  hits: Map<string, number>;
  routes: Map<string, { status: number; body: string } | 'hang'>;
  close(): Promise<void>;
}

async function keyServer(): Promise<KeyServer> {
  const hits = new Map<string, number>();
  const routes = new Map<string, { status: number; body: string } | 'hang'>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (route === 'hang') return;
    res.writeHead(route?.status ?? 404, { 'content-type': 'application/json' });
    res.end(route?.body ?? 'not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base, server, hits, routes,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const silent = pino({ level: 'silent' });

/** A resolver whose pushes are counted and awaitable. */
function resolver(options: Omit<JwksResolverOptions, 'onChange' | 'logger'> = {}): { r: JwksResolver; changes: string[]; nextChange(): Promise<void> } {
  const changes: string[] = [];
  let waiter: (() => void) | undefined;
  const r = new JwksResolver({ attempts: 1, ...options, logger: silent, onChange: (reason) => {
    changes.push(reason);
    waiter?.();
  } });
  return {
    r, changes,
    nextChange: () => new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no push was requested within 5 s')), 5000);
      waiter = () => {
        clearTimeout(t);
        resolve();
      };
    }),
  };
}

describe('JWKS resolver (controller side, real HTTP)', () => {
  let ks: KeyServer;
  const resolvers: JwksResolver[] = [];
  const track = <T extends { r: JwksResolver }>(x: T): T => (resolvers.push(x.r), x);
  const src = (path: string, extra: Partial<JwksSource> = {}): JwksSource => ({ issuer: 'https://issuer.example', jwksUri: `${ks.base}${path}`, timeoutMs: 2000, ...extra });

  before(async () => {
    ks = await keyServer();
  });
  after(async () => {
    for (const r of resolvers) r.close();
    await ks.close();
  });

  it('fetches once, serves from the cache, and asks for no push for a prefetched set', async () => {
    ks.routes.set('/a', { status: 200, body: DOC_A });
    const { r, changes } = track(resolver());
    await r.prefetch([src('/a'), src('/a')]);
    assert.equal(r.lookup(src('/a')), DOC_A);
    await r.prefetch([src('/a')]);
    assert.equal(r.lookup(src('/a')), DOC_A);
    assert.equal(ks.hits.get('/a'), 1);
    assert.deepEqual(changes, []);
  });

  it('discovers jwks_uri from the issuer\'s OpenID configuration', async () => {
    ks.routes.set('/idp/.well-known/openid-configuration', { status: 200, body: JSON.stringify({ issuer: `${ks.base}/idp`, jwks_uri: `${ks.base}/idp/keys` }) });
    ks.routes.set('/idp/keys', { status: 200, body: DOC_B });
    const { r } = track(resolver());
    const s: JwksSource = { issuer: `${ks.base}/idp/`, jwksUri: '', timeoutMs: 2000 };
    await r.prefetch([s]);
    assert.equal(r.lookup(s), DOC_B);
    assert.equal(ks.hits.get('/idp/.well-known/openid-configuration'), 1);
  });

  const failures: { name: string; path: string; setup?: () => void; error: RegExp; timeoutMs?: number }[] = [
    { name: 'a 404', path: '/missing', error: /unsuccessful response status 404/ },
    { name: 'a body that is not JSON', path: '/html', setup: () => ks.routes.set('/html', { status: 200, body: '<html>' }), error: /not JSON/ },
    { name: 'JSON without keys', path: '/nokeys', setup: () => ks.routes.set('/nokeys', { status: 200, body: '{"a":1}' }), error: /no "keys" array/ },
    { name: 'a server that never answers', path: '/hang', setup: () => ks.routes.set('/hang', 'hang'), error: /no answer within 150 ms/, timeoutMs: 150 },
    { name: 'an issuer without OpenID configuration', path: '', error: /openid-configuration: unsuccessful response status 404/ },
  ];
  for (const f of failures) {
    it(`a fetch failure (${f.name}) leaves the set unknown, is reported, and never throws`, async () => {
      f.setup?.();
      const { r } = track(resolver());
      const s = f.path === '' ? { issuer: `${ks.base}/nowhere`, jwksUri: '', timeoutMs: 2000 } : src(f.path, f.timeoutMs ? { timeoutMs: f.timeoutMs } : {});
      await r.prefetch([s]);
      assert.equal(r.lookup(s), undefined);
      assert.match(r.status(s)?.error ?? '', f.error);
      assert.equal(r.status(s)?.failures, 1);
    });
  }

  it('an unreachable host is a failure with its reason', async () => {
    const closed = await keyServer();
    const s: JwksSource = { issuer: 'x', jwksUri: `${closed.base}/jwks`, timeoutMs: 1000 };
    await closed.close();
    const { r } = track(resolver());
    await r.prefetch([s]);
    assert.equal(r.lookup(s), undefined);
    assert.match(r.status(s)?.error ?? '', /ECONNREFUSED|connect/);
  });

  it('retries a failed fetch and pushes when it succeeds', async () => {
    ks.routes.set('/later', { status: 503, body: 'busy' });
    const { r, changes, nextChange } = track(resolver({ retryMs: 30 }));
    await r.prefetch([src('/later')]);
    assert.equal(r.lookup(src('/later')), undefined, 'served the unverifiable set meanwhile');
    ks.routes.set('/later', { status: 200, body: DOC_A });
    await nextChange();
    assert.equal(r.lookup(src('/later')), DOC_A);
    assert.deepEqual(changes, ['jwks']);
  });

  it('a changed key set pushes; a failed refresh keeps the last good set', async () => {
    ks.routes.set('/rot', { status: 200, body: DOC_A });
    const { r, changes } = track(resolver());
    await r.prefetch([src('/rot')]);
    ks.routes.set('/rot', { status: 200, body: DOC_B });
    await r.refreshAll();
    assert.equal(r.lookup(src('/rot')), DOC_B);
    assert.deepEqual(changes, ['jwks']);
    await r.refreshAll();
    assert.deepEqual(changes, ['jwks'], 'no push for an unchanged set');
    ks.routes.set('/rot', { status: 500, body: 'down' });
    await r.refreshAll();
    assert.equal(r.lookup(src('/rot')), DOC_B);
    assert.match(r.status(src('/rot'))?.error ?? '', /500/);
  });

  it('refreshes on its interval', async () => {
    ks.routes.set('/tick', { status: 200, body: DOC_A });
    const { r, nextChange } = track(resolver({ refreshIntervalMs: 40 }));
    await r.prefetch([src('/tick')]);
    ks.routes.set('/tick', { status: 200, body: DOC_B });
    await nextChange();
    assert.equal(r.lookup(src('/tick')), DOC_B);
    assert.ok((ks.hits.get('/tick') ?? 0) >= 2);
  });

  it('a lookup nobody prefetched starts the fetch and pushes when it lands', async () => {
    ks.routes.set('/lazy', { status: 200, body: DOC_A });
    const { r, nextChange } = track(resolver());
    const pushed = nextChange();
    assert.equal(r.lookup(src('/lazy')), undefined);
    await pushed;
    assert.equal(r.lookup(src('/lazy')), DOC_A);
  });

  it('refuses a document over 1 MiB', async () => {
    ks.routes.set('/huge', { status: 200, body: JSON.stringify({ keys: [], pad: 'x'.repeat(1024 * 1024) }) });
    const { r } = track(resolver());
    await r.prefetch([src('/huge')]);
    assert.equal(r.lookup(src('/huge')), undefined);
    assert.match(r.status(src('/huge'))?.error ?? '', /exceeds 1048576/);
  });
});

describe('JWKS resolver snapshots', () => {
  it('a snapshot keeps the key set of its push; a set fetched after it asks for a push', async () => {
    const ks = await keyServer();
    const { r, changes, nextChange } = resolver();
    try {
      ks.routes.set('/s', { status: 200, body: DOC_A });
      const s: JwksSource = { issuer: 'i', jwksUri: `${ks.base}/s`, timeoutMs: 2000 };
      await r.prefetch([s]);
      const view = r.snapshot();
      ks.routes.set('/s', { status: 200, body: DOC_B });
      await r.refreshAll();
      assert.equal(view.lookup(s), DOC_A, 'the old push context is unchanged');
      assert.equal(r.snapshot().lookup(s), DOC_B);
      assert.deepEqual(changes, ['jwks']);

      ks.routes.set('/t', { status: 503, body: '' });
      const t: JwksSource = { issuer: 'i', jwksUri: `${ks.base}/t`, timeoutMs: 2000 };
      await r.prefetch([t]);
      const before = r.snapshot();
      ks.routes.set('/t', { status: 200, body: DOC_A });
      await r.refreshAll();
      const pushed = nextChange();
      assert.equal(before.lookup(t), undefined);
      await pushed;
      assert.equal(r.snapshot().lookup(t), DOC_A);
    } finally {
      r.close();
      await ks.close();
    }
  });
});

describe('JWKS resolver and pushes', () => {
  it('a slow refresh does not hold pushes back: the last good set is served meanwhile', async () => {
    const ks = await keyServer();
    const { r } = resolver();
    try {
      ks.routes.set('/slow', { status: 200, body: DOC_A });
      const s: JwksSource = { issuer: 'i', jwksUri: `${ks.base}/slow`, timeoutMs: 3000 };
      await r.prefetch([s]);
      ks.routes.set('/slow', 'hang');
      const refreshing = r.refreshAll();
      const started = Date.now();
      await r.prefetch([s]);
      assert.ok(Date.now() - started < 1500, `prefetch waited ${Date.now() - started} ms for a refresh`);
      assert.equal(r.lookup(s), DOC_A);
      // Closing the server cuts the hanging refresh: it fails and the set stays.
      await ks.close();
      await refreshing;
      assert.equal(r.lookup(s), DOC_A, 'a failed refresh keeps the set');
    } finally {
      r.close();
      await ks.close();
    }
  });
});

describe('JWKS resolver first fetches', () => {
  it('a push waits at most a second for a slow first fetch, and the late key set is pushed', async () => {
    const ks = await keyServer();
    const { r, nextChange } = resolver();
    try {
      ks.routes.set('/late', 'hang');
      const s: JwksSource = { issuer: 'i', jwksUri: `${ks.base}/late`, timeoutMs: 5000 };
      const started = Date.now();
      await r.prefetch([s]);
      const waited = Date.now() - started;
      assert.ok(waited >= 900 && waited < 2500, `waited ${waited} ms`);
      assert.equal(r.lookup(s), undefined, 'the push goes out with the unverifiable set');
      // The server answers now: the hanging request is cut, the retry gets the keys.
      ks.routes.set('/late', { status: 200, body: DOC_A });
      const pushed = nextChange();
      ks.server.closeAllConnections();
      await pushed;
      assert.equal(r.lookup(s), DOC_A);
    } finally {
      r.close();
      await ks.close();
    }
  });
});
