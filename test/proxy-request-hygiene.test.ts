// Request hygiene in the HTTP connection manager, through real sockets: path normalisation before
// routing (and what the upstream receives), Envoy's header-count limit on HTTP/1.1 and HTTP/2,
// and x-forwarded-client-cert sanitising on connections without a client certificate.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import type { HttpConnectionManagerConfig } from '../src/proxy/config/model.js';
import type { PathNormalization } from '../src/proxy/http/path-normalization.js';
import { cluster, echoed, hcmConfig, rawExchange, request, route, routeConfig, startProxy, startUpstream, vhost, type TestProxy } from './proxy-http-support.js';

type Upstream = Awaited<ReturnType<typeof startUpstream>>;

const BASE: PathNormalization = { normalizePath: true, mergeSlashes: false, escapedSlashesAction: 'KEEP_UNCHANGED' };
const DECODE_AND_MERGE: PathNormalization = { normalizePath: true, mergeSlashes: true, escapedSlashesAction: 'UNESCAPE_AND_FORWARD' };

let admin: Upstream;
let other: Upstream;
before(async () => {
  admin = await startUpstream();
  other = await startUpstream();
});
after(async () => {
  await admin.close();
  await other.close();
});

// `/admin` (exact) and `/api/v1/users` (exact) go to `admin`; anything else to `other`.
function config(extra: Partial<HttpConnectionManagerConfig>): HttpConnectionManagerConfig {
  return hcmConfig(
    routeConfig([vhost('all', ['*'], [
      route({ path: { kind: 'path', value: '/admin' } }, { cluster: 'admin' }),
      route({ path: { kind: 'path', value: '/api/v1/users' } }, { cluster: 'admin' }),
      route({}, { cluster: 'other' }),
    ])]),
    extra,
  );
}

async function withProxy(extra: Partial<HttpConnectionManagerConfig>, fn: (p: TestProxy) => Promise<void>): Promise<void> {
  const p = await startProxy(config(extra), [cluster('admin', [admin.port]), cluster('other', [other.port])]);
  try {
    await fn(p);
  } finally {
    await p.close();
  }
}

function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
}

describe('path normalisation before routing', () => {
  it('BASE: dot segments and unreserved escapes resolve before the route is chosen; the upstream gets the normal path, query untouched', async () => {
    await withProxy({ pathNormalization: BASE }, async (p) => {
      const adminBefore = admin.seen.length;
      const CASES: ReadonlyArray<readonly [string, string]> = [
        ['/x/../admin', '/admin'],
        ['/public/%2e%2E/admin?next=/a/../b', '/admin?next=/a/../b'],
        ['/%61dmin', '/admin'],
        ['/a/b/../../admin/.', '/admin/'],
      ];
      for (const [sent, want] of CASES) {
        const r = await request(p.port, { path: sent });
        assert.equal(r.status, 200, sent);
        assert.equal(echoed(r.body).url, want, sent);
      }
      // `/admin/` is not the exact route `/admin`: the last case went to `other`.
      assert.equal(admin.seen.length - adminBefore, 3);
      assert.deepEqual(p.records.map((rec) => rec.path), ['/admin', '/admin?next=/a/../b', '/admin', '/admin/']);
    });
  });

  it('BASE: an escaped NUL is a 400 (path_normalization_failed) that never reaches an upstream; backslashes are separators', async () => {
    await withProxy({ pathNormalization: BASE }, async (p) => {
      const seen = admin.seen.length + other.seen.length;
      // Pipelined: the connection survives the 400, as Envoy answers it with a plain local reply.
      const bad = await rawExchange(p.port, 'GET /admin%00.txt HTTP/1.1\r\nhost: x\r\n\r\nGET /admin HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
      assert.deepEqual([...bad.data.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1])), [400, 200]);
      assert.equal((await p.record(0)).responseCodeDetails, 'path_normalization_failed');
      const back = await rawExchange(p.port, 'GET /files\\..\\admin HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
      assert.equal(statusOf(back.data), 200);
      assert.equal(admin.seen.at(-1)!.url, '/admin');
      assert.equal(admin.seen.length + other.seen.length, seen + 2, 'only the two good requests reached an upstream');
    });
  });

  it('DECODE_AND_MERGE_SLASHES: %2F and // become one separator; NONE forwards the path as sent', async () => {
    await withProxy({ pathNormalization: DECODE_AND_MERGE }, async (p) => {
      const r = await request(p.port, { path: '/api%2Fv1//users' });
      assert.equal(echoed(r.body).url, '/api/v1/users');
      assert.equal(admin.seen.at(-1)!.url, '/api/v1/users');
    });
    await withProxy({}, async (p) => {
      const otherBefore = other.seen.length;
      const r = await request(p.port, { path: '/x/../admin' });
      assert.equal(echoed(r.body).url, '/x/../admin');
      assert.equal(other.seen.length, otherBefore + 1, 'not normalised: the exact /admin route does not match');
    });
  });

  it('HTTP/2: :path is normalised the same way', async () => {
    await withProxy({ pathNormalization: BASE }, async (p) => {
      const session = http2.connect(`http://127.0.0.1:${p.port}`);
      try {
        const body = await new Promise<string>((resolve, reject) => {
          const stream = session.request({ ':path': '/x/%2e%2e/admin?k=/../v', ':method': 'GET', ':authority': 'x' });
          let data = '';
          stream.on('data', (d: Buffer) => (data += d.toString()));
          stream.on('end', () => resolve(data));
          stream.on('error', reject);
          stream.end();
        });
        assert.equal(echoed(body).url, '/admin?k=/../v');
        assert.equal((await p.record(0)).path, '/admin?k=/../v');
      } finally {
        session.close();
      }
    });
  });

  it('a fragment never reaches the upstream', async () => {
    await withProxy({ pathNormalization: BASE }, async (p) => {
      const r = await rawExchange(p.port, 'GET /admin#top HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
      assert.equal(statusOf(r.data), 200);
      assert.equal(admin.seen.at(-1)!.url, '/admin');
    });
  });
});

/** An HTTP/1.1 request with exactly `count` header lines (`host` and `connection: close` among them). */
function h1WithHeaders(count: number): string {
  const lines = ['host: x', 'connection: close'];
  for (let i = 1; lines.length < count; i++) lines.push(`x-h${i}: ${i}`);
  return `GET /admin HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

function h2Status(port: number, regularHeaders: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const headers: http2.OutgoingHttpHeaders = { ':path': '/admin', ':method': 'GET', ':authority': 'x' };
    for (let i = 0; i < regularHeaders; i++) headers[`x-h${i}`] = String(i);
    const stream = session.request(headers);
    stream.on('response', (h) => {
      resolve(Number(h[':status']));
      stream.resume();
      stream.on('end', () => session.close());
    });
    stream.on('error', (err) => {
      session.destroy();
      reject(err);
    });
    stream.end();
  });
}

describe('max_headers_count', () => {
  it('HTTP/1.1: 100 header lines pass, 101 → 431; a configured limit of 10 → 431 at 11', async () => {
    await withProxy({}, async (p) => {
      const ok = await rawExchange(p.port, h1WithHeaders(100));
      assert.equal(statusOf(ok.data), 200);
      const over = await rawExchange(p.port, h1WithHeaders(101));
      assert.equal(statusOf(over.data), 431);
      assert.match(over.data, /Request Header Fields Too Large/);
      const rec = await p.record(1);
      assert.deepEqual([rec.status, rec.responseCodeDetails], [431, 'http1.too_many_headers']);
    });
    await withProxy({ maxHeadersCount: 10 }, async (p) => {
      assert.equal(statusOf((await rawExchange(p.port, h1WithHeaders(10))).data), 200);
      assert.equal(statusOf((await rawExchange(p.port, h1WithHeaders(11))).data), 431);
    });
  });

  it('HTTP/2: pseudo-headers count too (Envoy counts the whole header map); 100 fields pass, 101 → 431', async () => {
    await withProxy({}, async (p) => {
      assert.equal(await h2Status(p.port, 96), 200);
      assert.equal(await h2Status(p.port, 97), 431);
      const rec = await p.record(1);
      assert.deepEqual([rec.status, rec.responseCodeDetails, rec.protocol], [431, 'http2.too_many_headers', 'HTTP/2']);
    });
  });
});

describe('x-forwarded-client-cert without a client certificate', () => {
  const SPOOF = 'By=spiffe://cluster.local/ns/x/sa/y;URI=spiffe://cluster.local/ns/istio-system/sa/admin';
  const CASES: ReadonlyArray<readonly [string | undefined, string | undefined]> = [
    [undefined, undefined],
    ['SANITIZE', undefined],
    ['APPEND_FORWARD', undefined],
    ['SANITIZE_SET', undefined],
    ['FORWARD_ONLY', undefined],
    ['ALWAYS_FORWARD_ONLY', SPOOF],
  ];
  it(`a spoofed header from a plaintext client: ${CASES.length} modes`, async () => {
    let checked = 0;
    for (const [mode, want] of CASES) {
      await withProxy(mode ? { forwardClientCertDetails: mode } : {}, async (p) => {
        const r = await request(p.port, { path: '/admin', headers: { 'x-forwarded-client-cert': SPOOF } });
        assert.equal(echoed(r.body).headers['x-forwarded-client-cert'], want, String(mode));
        checked++;
      });
    }
    assert.equal(checked, CASES.length);
  });
});
