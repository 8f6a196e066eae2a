import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { cluster, hcmConfig, rawExchange, request, route, routeConfig, startProxy, startUpstream, vhost, type TestProxy } from './proxy-http-support.js';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

/** One malformed-traffic case: what to send, and what must come back. */
interface Case {
  readonly name: string;
  readonly send: (string | Buffer)[];
  /** Expected status; undefined: the connection must just be closed. */
  readonly status?: number;
  readonly waitMs?: number;
}

const CASES: Case[] = [
  { name: 'garbage request line', send: ['HELLO THERE\r\n\r\n'], status: 400 },
  { name: 'binary garbage', send: [Buffer.from([0x16, 0x03, 0x01, 0xff, 0x00, 0x01, 0x02, 0x0d, 0x0a, 0x0d, 0x0a])], status: 400 },
  { name: 'space in a header name', send: ['GET / HTTP/1.1\r\nhost: x\r\nbad header: 1\r\n\r\n'], status: 400 },
  { name: 'NUL byte in a header value', send: ['GET / HTTP/1.1\r\nhost: x\r\nx-a: a\0b\r\n\r\n'], status: 400 },
  { name: 'NUL byte in the path', send: ['GET /a\0b HTTP/1.1\r\nhost: x\r\n\r\n'], status: 400 },
  { name: 'bare CR inside a header value', send: ['GET / HTTP/1.1\r\nhost: x\r\nx-a: a\rb\r\n\r\n'], status: 400 },
  { name: 'oversized header block', send: [`GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(10 * 1024)}\r\n\r\n`], status: 431 },
  { name: 'slow headers (never finished)', send: ['GET / HTTP/1.1\r\nhost: x\r\nx-slow: 1\r\n'], status: 408, waitMs: 2500 },
  { name: 'invalid chunk size', send: ['POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'], status: 400 },
  { name: 'Content-Length and Transfer-Encoding together', send: ['POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n'], status: 400 },
  { name: 'conflicting duplicate Content-Length', send: ['POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd'], status: 400 },
  { name: 'negative Content-Length', send: ['POST / HTTP/1.1\r\nhost: x\r\ncontent-length: -1\r\n\r\n'], status: 400 },
  { name: 'chunked not last in Transfer-Encoding', send: ['POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked, identity\r\n\r\n0\r\n\r\n'], status: 400 },
  { name: 'missing Host on HTTP/1.1', send: ['GET / HTTP/1.1\r\n\r\n'], status: 400 },
  { name: 'unknown HTTP version', send: ['GET / HTTP/7.1\r\nhost: x\r\n\r\n'], status: 400 },
  { name: 'request target not a path', send: ['GET nope HTTP/1.1\r\nhost: x\r\n\r\n'], status: 400 },
  { name: 'invalid Host header', send: ['GET / HTTP/1.1\r\nhost: a b@c\r\n\r\n'], status: 400 },
  { name: 'HTTP/2 preface then garbage frames', send: [PREFACE, Buffer.from('\x00\x00\x05\xff\xff\x7f\xff\xff\xffgarbagegarbagegarbage', 'latin1')] },
  { name: 'HTTP/2 preface started, never finished', send: [PREFACE.slice(0, 10)] },
  { name: 'HTTP/2 frame larger than allowed', send: [PREFACE, Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]), Buffer.alloc(64)])] },
];

describe('malformed traffic corpus', () => {
  let up: Awaited<ReturnType<typeof startUpstream>>;
  let proxy: TestProxy;
  before(async () => {
    up = await startUpstream((req, res, body) => {
      const delay = req.url === '/slow' ? 300 : 0;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`ok ${body.length}`);
      }, delay);
    });
    const rc = routeConfig([vhost('v', ['*'], [route({}, { cluster: 'up' })])]);
    proxy = await startProxy(hcmConfig(rc, { maxRequestHeadersKb: 8, requestHeadersTimeoutMs: 400 }), [cluster('up', [up.port])]);
  });
  after(async () => {
    await proxy.close();
    await up.close();
  });

  assert.ok(CASES.length >= 15);
  for (const c of CASES) {
    it(`${c.name}: ${c.status ?? 'close'}; a concurrent healthy request completes`, async () => {
      const healthy = request(proxy.port, { method: 'POST', path: '/slow', body: 'fine' });
      const { data, closed } = await rawExchange(proxy.port, c.send, c.waitMs ?? 1500);
      if (c.status !== undefined) assert.match(data, new RegExp(`^HTTP/1\\.1 ${c.status} `), `got ${JSON.stringify(data.slice(0, 60))}`);
      assert.ok(closed, 'connection closed by the proxy');
      const ok = await healthy;
      assert.equal(ok.status, 200);
      assert.equal(ok.body, 'ok 4');
    });
  }

  it('client resets mid-body: recorded as DC, nothing leaks, next request fine', async () => {
    const n = proxy.records.length;
    const socket = net.connect(proxy.port, '127.0.0.1');
    await new Promise<void>((r) => socket.on('connect', () => r()));
    socket.write('POST /slow HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n0123456789');
    await new Promise((r) => setTimeout(r, 100));
    socket.resetAndDestroy();
    const rec = await proxy.record(n);
    assert.ok(rec.flags.has('DC'), `flags ${[...rec.flags].join(',')}`);
    assert.equal((await request(proxy.port, { path: '/' })).status, 200);
  });

  it('HTTP/2 client resets one stream; its sibling stream on the same connection completes', async () => {
    const client = http2.connect(`http://127.0.0.1:${proxy.port}`);
    client.on('error', () => undefined);
    const doomed = client.request({ ':method': 'POST', ':path': '/slow', ':authority': 'x' }, { endStream: false });
    doomed.on('error', () => undefined);
    doomed.write('partial');
    const sibling = client.request({ ':method': 'POST', ':path': '/slow', ':authority': 'x' });
    sibling.end('fine');
    let body = '';
    sibling.on('data', (c: Buffer) => (body += c.toString()));
    setTimeout(() => doomed.close(http2.constants.NGHTTP2_CANCEL), 50);
    await new Promise<void>((r) => sibling.on('end', () => r()));
    assert.equal(body, 'ok 4');
    client.close();
  });

  it('many abrupt connections at once do not disturb a healthy one', async () => {
    const healthy = request(proxy.port, { method: 'POST', path: '/slow', body: 'fine' });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        new Promise<void>((resolve) => {
          const s = net.connect(proxy.port, '127.0.0.1');
          s.on('error', () => undefined);
          s.on('connect', () => {
            s.write(i % 2 ? 'GET / HTTP/1.1\r\nhost: x\r\n' : PREFACE.slice(0, 12));
            setTimeout(() => {
              s.resetAndDestroy();
              resolve();
            }, 5);
          });
        }),
      ),
    );
    assert.equal((await healthy).status, 200);
  });
});
