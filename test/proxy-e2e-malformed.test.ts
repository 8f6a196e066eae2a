// Malformed traffic against running `plexus proxy` sidecars, through the whole data path:
// listener → inspectors → (TLS) → HCM. The HTTP cases go through the client sidecar's outbound
// capture (15001 → 0.0.0.0_9080); the TLS cases hit the server sidecar's inbound mTLS chain
// (pod IP:9080 → 15006) directly. Each case must get the right status or a close, the proxy
// must stay up, and a concurrent keep-alive stream of healthy requests must see no failure.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { ECHO_HOST, httpRequest, rawExchange, type RawResult } from './proxy-e2e-client.js';
import { E2eMesh, e2eSkipReason } from './proxy-e2e-support.js';

const skip = e2eSkipReason();
const H = `Host: ${ECHO_HOST}\r\n`;
const statusOf = (r: RawResult): number => Number(/^HTTP\/1\.[01] (\d{3})/.exec(r.data)?.[1] ?? 0);

/** One corpus entry: bytes to send, and what counts as the right answer. */
interface Case {
  readonly name: string;
  readonly target: 'http' | 'tls';
  readonly chunks: readonly (string | Buffer)[];
  /** HTTP statuses, a close, or an HTTP/2 GOAWAY with this error code. */
  readonly expect: readonly number[] | 'close' | { readonly goaway: number };
  readonly gapMs?: number;
  readonly keepOpen?: boolean;
}

const big = (n: number): string => 'a'.repeat(n);
const h2Preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const frame = (type: number, flags: number, stream: number, payload: Buffer): Buffer => {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
};
const emptySettings = frame(4, 0, 0, Buffer.alloc(0));

const CORPUS: readonly Case[] = [
  { name: 'invalid method token', target: 'http', chunks: [`G@T / HTTP/1.1\r\n${H}\r\n`], expect: [400] },
  { name: 'unknown HTTP version', target: 'http', chunks: [`GET / HTTP/9.9\r\n${H}\r\n`], expect: [400, 505] },
  { name: 'garbage request line', target: 'http', chunks: ['\x01\x02\x03 nonsense\r\n\r\n'], expect: [400] },
  { name: 'Content-Length with Transfer-Encoding (CL.TE)', target: 'http', chunks: [`POST / HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`], expect: [400] },
  { name: 'two different Content-Length values', target: 'http', chunks: [`POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde`], expect: [400] },
  { name: 'negative Content-Length', target: 'http', chunks: [`POST / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`], expect: [400] },
  { name: 'non-numeric Content-Length', target: 'http', chunks: [`POST / HTTP/1.1\r\n${H}Content-Length: 1x\r\n\r\n`], expect: [400] },
  { name: 'unknown Transfer-Encoding', target: 'http', chunks: [`POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n`], expect: [400, 501] },
  { name: 'invalid chunk size', target: 'http', chunks: [`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`], expect: [400] },
  { name: 'chunk size overflow', target: 'http', chunks: [`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\nx\r\n`], expect: [400] },
  { name: 'header line without a colon', target: 'http', chunks: [`GET / HTTP/1.1\r\n${H}NoColonHere\r\n\r\n`], expect: [400] },
  { name: 'space before the header colon', target: 'http', chunks: [`GET / HTTP/1.1\r\n${H}X-Bad : 1\r\n\r\n`], expect: [400] },
  { name: 'NUL in a header value', target: 'http', chunks: [`GET / HTTP/1.1\r\n${H}X-Bad: a\0b\r\n\r\n`], expect: [400] },
  { name: 'bare CR in a header value', target: 'http', chunks: [`GET / HTTP/1.1\r\n${H}X-Bad: a\rb\r\n\r\n`], expect: [400] },
  { name: 'invalid header name characters', target: 'http', chunks: [`GET / HTTP/1.1\r\n${H}X(Y): 1\r\n\r\n`], expect: [400] },
  { name: 'obsolete line folding', target: 'http', chunks: [`GET / HTTP/1.1\r\n${H}X-Fold: a\r\n  b\r\n\r\n`], expect: [400] },
  { name: 'one 64 KiB header (over the 60 KiB default)', target: 'http', chunks: [`GET / HTTP/1.1\r\n${H}X-Big: ${big(64 * 1024)}\r\n\r\n`], expect: [431] },
  { name: '70 headers of 1 KiB (over 60 KiB in total)', target: 'http', chunks: [`GET / HTTP/1.1\r\n${H}${Array.from({ length: 70 }, (_, i) => `X-H${i}: ${big(1000)}\r\n`).join('')}\r\n`], expect: [431] },
  { name: '70 KiB request URI', target: 'http', chunks: [`GET /${big(70 * 1024)} HTTP/1.1\r\n${H}\r\n`], expect: [414, 431] },
  { name: 'random binary bytes', target: 'http', chunks: [Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919) % 256))], expect: [400] },
  // Both are sane: answer the first and then 400, or (the codec failing within one dispatch) 400 and close.
  { name: 'valid request then pipelined garbage', target: 'http', chunks: [`GET /ok HTTP/1.1\r\n${H}\r\nBLAH\x00\x01\r\n\r\n`], expect: [200, 400] },
  { name: 'headers cut off by a FIN', target: 'http', chunks: [`GET / HTTP/1.1\r\n${H}X-Partial: 1`], expect: 'close' },
  { name: 'body shorter than Content-Length, then FIN', target: 'http', chunks: [`POST / HTTP/1.1\r\n${H}Content-Length: 100\r\n\r\nshort`], expect: 'close' },
  { name: 'connection closed without a byte', target: 'http', chunks: [], expect: 'close' },
  { name: 'h2 preface then an oversized SETTINGS frame', target: 'http', chunks: [h2Preface, frame(4, 0, 0, Buffer.alloc(5))], expect: { goaway: 6 } },
  { name: 'h2 HEADERS on stream 0', target: 'http', chunks: [h2Preface, emptySettings, frame(1, 4, 0, Buffer.from([0x82]))], expect: 'close' },
  { name: 'h2 garbage HPACK block', target: 'http', chunks: [h2Preface, emptySettings, frame(1, 5, 1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]))], expect: { goaway: 9 } },
  { name: 'h2 DATA on an idle stream', target: 'http', chunks: [h2Preface, emptySettings, frame(0, 1, 3, Buffer.from('x'))], expect: { goaway: 1 } },
  { name: 'h2 truncated preface', target: 'http', chunks: ['PRI * HTTP/2.0\r\n'], expect: 'close' },
  { name: 'TLS record of garbage', target: 'tls', chunks: [Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40]), Buffer.alloc(64, 0xab)])], expect: 'close' },
  { name: 'TLS record header claiming 16 KiB, then FIN', target: 'tls', chunks: [Buffer.from([0x16, 0x03, 0x03, 0x40, 0x00, 0x01])], expect: 'close' },
  { name: 'SSLv2-style ClientHello', target: 'tls', chunks: [Buffer.from([0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10, ...Array.from({ length: 37 }, () => 0x41)])], expect: 'close' },
  { name: 'TLS alert instead of a ClientHello', target: 'tls', chunks: [Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])], expect: 'close' },
];

describe('proxy e2e: malformed traffic corpus', { skip, timeout: 90_000 }, () => {
  let mesh: E2eMesh;
  let httpPort = 0;
  let tlsHost = '';
  let healthy = { ok: 0, failed: 0, errors: [] as string[] };
  let stopHealthy = (): Promise<void> => Promise.resolve();

  before(async () => {
    mesh = await E2eMesh.start({ prefix: 'pxe3', octet: 73, mtls: true });
    httpPort = await mesh.forward(`${mesh.vip}:9080`);
    tlsHost = mesh.pods.v1.record.address;
    // The concurrent healthy stream: keep-alive requests back to back for the whole corpus.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    let running = true;
    const loop = (async () => {
      while (running) {
        try {
          const r = await httpRequest(httpPort, { path: '/healthy', agent });
          if (r.status === 200) healthy.ok++;
          else { healthy.failed++; healthy.errors.push(`status ${r.status}`); }
        } catch (err) {
          healthy.failed++;
          healthy.errors.push((err as Error).message);
        }
      }
    })();
    stopHealthy = async () => { running = false; await loop; agent.destroy(); };
  });
  after(async () => {
    await stopHealthy();
    assert.deepEqual(await mesh?.stop() ?? [], []);
  });

  for (const c of CORPUS) {
    const label = c.expect === 'close' ? 'closed' : 'goaway' in c.expect ? `GOAWAY ${c.expect.goaway}` : c.expect.join('/');
    it(`${c.target}: ${c.name} → ${label}`, async () => {
      // TLS cases connect from the host to the pod IP: captured into the server sidecar's 15006.
      const timeoutMs = typeof c.expect === 'object' && 'goaway' in c.expect ? 1000 : 5000;
      const r = await rawExchange(c.target === 'http' ? httpPort : 9080, c.chunks, { ...(c.target === 'tls' ? { host: tlsHost } : {}), timeoutMs, ...(c.gapMs ? { gapMs: c.gapMs } : {}), ...(c.keepOpen ? { keepOpen: true } : {}) });
      if (typeof c.expect === 'object' && 'goaway' in c.expect) {
        const buf = Buffer.from(r.data, 'latin1');
        let code: number | undefined;
        for (let i = 0; i + 9 <= buf.length; i += 9 + buf.readUIntBE(i, 3)) {
          if (buf[i + 3] === 7 && i + 17 <= buf.length) code = buf.readUInt32BE(i + 13);
        }
        assert.equal(code, c.expect.goaway, `GOAWAY error code (connection ${r.end})`);
      } else if (c.expect === 'close') {
        assert.notEqual(r.end, 'timeout', `still open after 5 s; got ${JSON.stringify(r.data.slice(0, 200))}`);
        assert.ok(!/^HTTP\/1\.1 2/.test(r.data), `no success answer: ${r.data.slice(0, 200)}`);
      } else {
        assert.ok(c.expect.includes(statusOf(r)), `expected ${c.expect.join('/')}, got ${JSON.stringify(r.data.slice(0, 300))} (${r.end})`);
      }
    });
  }

  it('tls: a handshake without a client certificate is refused', async () => {
    const err = await new Promise<string>((resolve) => {
      const s = tlsConnect({ host: tlsHost, port: 9080, rejectUnauthorized: false, ALPNProtocols: ['istio', 'http/1.1'] });
      s.on('secureConnect', () => s.write(`GET / HTTP/1.1\r\n${H}\r\n`));
      s.on('data', (d: Buffer) => resolve(`answered: ${d.toString().slice(0, 40)}`));
      s.on('error', (e) => resolve(e.message));
      s.on('close', () => resolve('closed'));
    });
    assert.ok(!err.startsWith('answered'), err);
  });

  it('http: slowloris — 40 connections trickling headers do not disturb anyone', async () => {
    const slow = Array.from({ length: 40 }, () => rawExchange(httpPort, ['GET / HTTP/1.1\r\n', `${H}`, 'X-A: 1\r\n', 'X-B: 2\r\n'], { gapMs: 500, keepOpen: true, timeoutMs: 3000 }));
    const during = await Promise.all(Array.from({ length: 10 }, () => httpRequest(httpPort, { path: '/during-slowloris' })));
    assert.deepEqual(during.map((r) => r.status), Array(10).fill(200));
    await Promise.all(slow);
  });

  it('h2: streams reset by the client right after opening leave the session usable', async () => {
    const session = http2.connect(`http://127.0.0.1:${await mesh.forward(`${mesh.vip}:9081`)}`);
    for (let i = 0; i < 50; i++) {
      const st = session.request({ ':method': 'POST', ':path': `/reset/${i}`, ':authority': 'echo.default.svc.cluster.local:9081' });
      st.on('error', () => undefined);
      st.write('partial');
      st.close(http2.constants.NGHTTP2_CANCEL);
    }
    const ok = await new Promise<number>((resolve, reject) => {
      const st = session.request({ ':path': '/after-resets', ':authority': 'echo.default.svc.cluster.local:9081' });
      st.on('response', (h) => resolve(Number(h[':status'])));
      st.on('error', reject);
      st.end();
    });
    assert.equal(ok, 200);
    session.close();
  });

  it('http: a client reset in the middle of a request body leaves the proxy serving', async () => {
    for (let i = 0; i < 20; i++) {
      const s = connect({ host: '127.0.0.1', port: httpPort });
      await new Promise<void>((r) => s.once('connect', () => r()));
      s.write(`POST /upload HTTP/1.1\r\n${H}Content-Length: 100000\r\n\r\n${big(5000)}`);
      await new Promise((r) => setTimeout(r, 10));
      s.resetAndDestroy();
    }
    assert.equal((await httpRequest(httpPort, { path: '/after-resets' })).status, 200);
  });

  it('the proxies stayed up and the concurrent healthy stream saw no failure', async () => {
    await stopHealthy();
    for (const p of Object.values(mesh.pods)) assert.equal(p.proxy?.child.exitCode, null, `${p.name} sidecar still running`);
    console.log(`healthy stream during the corpus: ${healthy.ok} ok, ${healthy.failed} failed`);
    assert.equal(healthy.failed, 0, healthy.errors.slice(0, 5).join('; '));
    assert.ok(healthy.ok > 50, `healthy requests kept flowing (${healthy.ok})`);
    assert.equal((await httpRequest(httpPort, { path: '/final' })).status, 200);
    healthy = { ok: 0, failed: 0, errors: [] };
  });
});
