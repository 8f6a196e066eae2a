import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { cluster, h2UpstreamTo, hcmConfig, rawExchange, request, route, routeConfig, startH2Upstream, startProxy, startUpstream, vhost, type TestProxy } from './proxy-http-support.js';

function h2Request(port: number, headers: http2.OutgoingHttpHeaders, body?: Buffer): Promise<{ headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on('error', reject);
    const stream = client.request(headers, { endStream: body === undefined, waitForTrailers: false });
    let resHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (resHeaders = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      client.close();
      resolve({ headers: resHeaders, trailers, body: Buffer.concat(chunks) });
    });
    stream.on('error', (err) => {
      client.destroy();
      reject(err);
    });
    if (body !== undefined) stream.end(body);
  });
}

/** A gRPC length-prefixed message. */
function grpcFrame(payload: string): Buffer {
  const data = Buffer.from(payload);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(data.length, 1);
  return Buffer.concat([head, data]);
}

describe('HTTP/1.1 features', () => {
  let up: Awaited<ReturnType<typeof startUpstream>>;
  let proxy: TestProxy;
  before(async () => {
    up = await startUpstream((req, res, body) => {
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
        res.write('part1-');
        setTimeout(() => {
          res.addTrailers({ 'x-checksum': 'abc' });
          res.end('part2');
        }, 20);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'x-conn-port': String(req.socket.remotePort) });
      res.end(`got ${body.length}`);
    });
    up.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n');
      if (head.length) socket.write(head);
      socket.pipe(socket);
    });
    const rc = routeConfig([vhost('v', ['*'], [route({ path: { kind: 'prefix', value: '/ws-off' } }, { cluster: 'up' }), route({}, { cluster: 'up', upgradeTypes: ['websocket'] })])]);
    proxy = await startProxy(hcmConfig(rc, { maxRequestHeadersKb: 8 }), [cluster('up', [up.port])]);
  });
  after(async () => {
    await proxy.close();
    await up.close();
  });

  it('keep-alive: several requests on one downstream connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    agent.on('free', (s) => sockets.add(s));
    for (let i = 0; i < 3; i++) assert.equal((await request(proxy.port, { agent })).status, 200);
    assert.equal(sockets.size, 1);
    agent.destroy();
  });

  it('chunked request and response bodies, with trailers', async () => {
    const res = await new Promise<{ body: string; trailers: NodeJS.Dict<string> }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'POST', path: '/chunked', headers: { host: 'x', te: 'trailers' }, agent: false }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ body, trailers: r.trailers }));
      });
      req.on('error', reject);
      req.write('a'.repeat(10));
      req.write('b'.repeat(10));
      req.end();
    });
    assert.equal(res.body, 'part1-part2');
    assert.equal(res.trailers['x-checksum'], 'abc');
    assert.equal(up.seen.at(-1)?.body.length, 20);
  });

  it('100-continue: the proxy answers 100 and the body follows', async () => {
    const res = await new Promise<{ status: number; body: string; sawContinue: boolean }>((resolve, reject) => {
      let sawContinue = false;
      const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'PUT', path: '/', headers: { host: 'x', expect: '100-continue', 'content-length': '5' }, agent: false }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body, sawContinue }));
      });
      req.on('continue', () => {
        sawContinue = true;
        req.end('hello');
      });
      req.on('error', reject);
    });
    assert.ok(res.sawContinue);
    assert.equal(res.body, 'got 5');
    assert.equal(up.seen.at(-1)?.headers['expect'], undefined);
  });

  it('WebSocket upgrade becomes a raw bidirectional pipe', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    socket.write('GET /chat HTTP/1.1\r\nhost: x\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n');
    const deadline = Date.now() + 3000;
    while (!Buffer.concat(got).toString().includes('\r\n\r\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.match(Buffer.concat(got).toString(), /^HTTP\/1\.1 101/);
    got.length = 0;
    socket.write('ping-frame');
    while (!Buffer.concat(got).toString().includes('ping-frame') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(Buffer.concat(got).toString(), 'ping-frame');
    socket.destroy();
  });

  it('upgrade not enabled on the route → 403', async () => {
    const { data } = await rawExchange(proxy.port, 'GET /ws-off HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n', 1000);
    assert.match(data, /^HTTP\/1\.1 403/);
  });

  it('request headers over the limit → 431', async () => {
    const { data, closed } = await rawExchange(proxy.port, `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(9 * 1024)}\r\n\r\n`);
    assert.match(data, /^HTTP\/1\.1 431/);
    assert.ok(closed);
  });

  it('Content-Length with Transfer-Encoding → 400 and close', async () => {
    const { data, closed } = await rawExchange(proxy.port, 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n');
    assert.match(data, /^HTTP\/1\.1 400/);
    assert.ok(closed);
  });
});

describe('HTTP/2 and gRPC', () => {
  let h2up: Awaited<ReturnType<typeof startH2Upstream>>;
  let h1up: Awaited<ReturnType<typeof startUpstream>>;
  let proxy: TestProxy;
  before(async () => {
    h2up = await startH2Upstream((stream, headers, body) => {
      if (String(headers['content-type']).startsWith('application/grpc')) {
        const msg = body.subarray(5).toString();
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'ok', 'x-echo-te': String(headers['te']) }));
        stream.end(grpcFrame(`hello ${msg}`));
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end(`h2 upstream saw ${headers[':path']}`);
    });
    h1up = await startUpstream();
    const rc = routeConfig([
      vhost('v', ['*'], [
        route({ path: { kind: 'prefix', value: '/helloworld.' }, grpc: true }, { cluster: 'grpc' }),
        route({ path: { kind: 'prefix', value: '/h1' } }, { cluster: 'h1' }),
        route({}, { cluster: 'grpc' }),
      ]),
    ]);
    proxy = await startProxy(hcmConfig(rc), [cluster('grpc', [h2up.port], { http2: true }), cluster('h1', [h1up.port])]);
  });
  after(async () => {
    await proxy.close();
    await h2up.close();
    await h1up.close();
  });

  it('h2c prior knowledge downstream, HTTP/1.1 upstream', async () => {
    const res = await h2Request(proxy.port, { ':path': '/h1/x', ':authority': 'svc' });
    assert.equal(res.headers[':status'], 200);
    const e = JSON.parse(res.body.toString()) as { url: string; headers: Record<string, string> };
    assert.equal(e.url, '/h1/x');
    assert.equal(e.headers['host'], 'svc');
    const n = proxy.records.length;
    await h2Request(proxy.port, { ':path': '/h1/y', ':authority': 'svc' });
    assert.equal((await proxy.record(n)).protocol, 'HTTP/2');
  });

  it('gRPC over h2c: message, trailers and grpc-status flow through', async () => {
    // The same exchange through a minimal node:http2 HttpUpstream, not the UpstreamManager.
    const direct = h2UpstreamTo(h2up.port);
    const rc = routeConfig([vhost('v', ['*'], [route({}, { cluster: 'grpc' })])]);
    const p2 = await startProxy(hcmConfig(rc), [cluster('grpc', [h2up.port], { http2: true })], { upstream: direct });
    let res: Awaited<ReturnType<typeof h2Request>>;
    try {
      res = await h2Request(p2.port, { ':method': 'POST', ':path': '/helloworld.Greeter/SayHello', ':authority': 'svc', 'content-type': 'application/grpc', te: 'trailers' }, grpcFrame('plexus'));
      const n = p2.records.length;
      await h2Request(p2.port, { ':method': 'POST', ':path': '/helloworld.Greeter/SayHello', ':authority': 'svc', 'content-type': 'application/grpc', te: 'trailers' }, grpcFrame('again'));
      assert.equal((await p2.record(n)).grpcStatus, 0);
    } finally {
      await p2.close();
      direct.close();
    }
    assert.equal(res.headers[':status'], 200);
    assert.equal(res.body.subarray(5).toString(), 'hello plexus');
    assert.equal(res.trailers['grpc-status'], '0');
    assert.equal(res.trailers['grpc-message'], 'ok');
    assert.equal(res.trailers['x-echo-te'], 'trailers');
  });

  it('gRPC through the real UpstreamManager (h2 upstream): message, trailers and status', async () => {
    const n = proxy.records.length;
    const res = await h2Request(proxy.port, { ':method': 'POST', ':path': '/helloworld.Greeter/SayHello', ':authority': 'svc', 'content-type': 'application/grpc', te: 'trailers' }, grpcFrame('mgr'));
    assert.equal(res.headers[':status'], 200);
    assert.equal(res.body.subarray(5).toString(), 'hello mgr');
    assert.equal(res.headers['grpc-status'], undefined);
    assert.equal(res.trailers['grpc-status'], '0');
    assert.equal(res.trailers['grpc-message'], 'ok');
    assert.equal(res.trailers['x-echo-te'], 'trailers');
    assert.equal((await proxy.record(n)).grpcStatus, 0);
  });

  it('h2 HTTP/1.1 on the same listener', async () => {
    const res = await request(proxy.port, { path: '/h1/z' });
    assert.equal(res.status, 200);
  });
});

describe('gRPC local reply mapping', () => {
  it('no route → 200 with grpc-status 12 (UNIMPLEMENTED)', async () => {
    const rc = routeConfig([vhost('v', ['only.example'], [])]);
    const proxy = await startProxy(hcmConfig(rc), []);
    try {
      const res = await h2Request(proxy.port, { ':method': 'POST', ':path': '/svc/M', ':authority': 'other', 'content-type': 'application/grpc' }, grpcFrame('x'));
      assert.equal(res.headers[':status'], 200);
      assert.equal(res.headers['grpc-status'], '12');
      assert.equal(res.headers['x-plexus-response-flags'], 'NR');
    } finally {
      await proxy.close();
    }
  });
});
