// End to end through real processes: `plexus controller` → xDS → two `plexus proxy` sidecars
// in pods with iptables capture → real apps. HTTP/1.1 (keep-alive, chunked, 100-continue,
// WebSocket), h2c, gRPC (trailers, grpc-status), raw TCP with half-close, TLS passthrough,
// and the admin/stats ports of a live sidecar (also read by `plexus proxy-config --admin`).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { plexus } from './support/controller-process.js';
import { ECHO_SERVICE, APP_PORTS } from './proxy-e2e-echo-service.js';
import { ECHO_HOST, httpRequest } from './proxy-e2e-client.js';
import { E2eMesh, e2eSkipReason } from './proxy-e2e-support.js';
import { parsePrometheus } from './proxy-admin-support.js';

const skip = e2eSkipReason();

describe('proxy e2e: protocols through controller-configured sidecars', { skip, timeout: 90_000 }, () => {
  let mesh: E2eMesh;
  const port: Record<string, number> = {};

  before(async () => {
    mesh = await E2eMesh.start({ prefix: 'pxe1', octet: 71, mtls: true });
    for (const [name, p] of Object.entries(APP_PORTS)) port[name] = await mesh.forward(`${mesh.vip}:${p}`);
    port.admin = await mesh.forward('127.0.0.1:15000');
  });
  after(async () => {
    const left = await mesh?.stop();
    assert.deepEqual(left ?? [], []);
  });

  it('HTTP/1.1: a request crosses both sidecars and reaches an echo instance', async () => {
    const r = await httpRequest(port.http, { path: '/hello?x=1' });
    assert.equal(r.status, 200, `${r.body}\n${mesh.logs()}`);
    assert.ok(r.echo?.instance === 'v1' || r.echo?.instance === 'v2');
    assert.equal(r.echo?.url, '/hello?x=1');
    // The server sidecar's inbound HCM saw the request too: Envoy-style forwarded headers.
    assert.ok(r.echo?.headers['x-request-id'], 'x-request-id set by the client sidecar');
  });

  it('HTTP/1.1 keep-alive: many requests on one downstream connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let sockets = 0;
    agent.on('free', () => undefined);
    const origCreate = agent.createConnection.bind(agent);
    agent.createConnection = ((...a: Parameters<typeof origCreate>) => { sockets++; return origCreate(...a); }) as typeof agent.createConnection;
    for (let i = 0; i < 20; i++) {
      const r = await httpRequest(port.http, { path: `/k/${i}`, agent });
      assert.equal(r.status, 200);
    }
    agent.destroy();
    assert.equal(sockets, 1, 'one connection for 20 requests');
  });

  it('HTTP/1.1 chunked: request body streamed in, chunked response streamed out', async () => {
    const up = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: port.http, method: 'POST', path: '/upload', headers: { host: ECHO_HOST, 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write('a'.repeat(1000));
      setTimeout(() => { req.write('b'.repeat(1000)); req.end('c'); }, 30);
    });
    assert.equal(up.status, 200);
    assert.equal((JSON.parse(up.body) as { body: string }).body, `${'a'.repeat(1000)}${'b'.repeat(1000)}c`);
    const down = await httpRequest(port.http, { path: '/chunked' });
    assert.equal(down.status, 200);
    assert.equal(down.body, 'one,two,three');
  });

  it('HTTP/1.1 Expect: 100-continue gets 100, then the final answer', async () => {
    const result = await new Promise<{ continued: boolean; status: number; body: string }>((resolve, reject) => {
      let continued = false;
      const req = http.request({ host: '127.0.0.1', port: port.http, method: 'PUT', path: '/expect', headers: { host: ECHO_HOST, expect: '100-continue', 'content-length': 5 }, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ continued, status: res.statusCode ?? 0, body }));
      });
      req.on('continue', () => { continued = true; req.end('hello'); });
      req.on('error', reject);
    });
    assert.ok(result.continued, '100 Continue received');
    assert.equal(result.status, 200);
    assert.equal((JSON.parse(result.body) as { body: string }).body, 'hello');
  });

  it('WebSocket upgrade: 101 with the right accept key, then bytes both ways', async () => {
    const key = randomBytes(16).toString('base64');
    const s = connect({ host: '127.0.0.1', port: port.http });
    s.write(`GET /ws HTTP/1.1\r\nHost: ${ECHO_HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      s.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        if (buf.includes('\r\n\r\n')) resolve();
      });
      s.on('error', reject);
    });
    assert.match(buf, /^HTTP\/1\.1 101/);
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    assert.ok(buf.toLowerCase().includes(`sec-websocket-accept: ${accept.toLowerCase()}`));
    buf = '';
    const frame = Buffer.from([0x81, 0x85, 1, 2, 3, 4, ...Buffer.from('hello').map((b, i) => b ^ [1, 2, 3, 4][i % 4])]);
    s.write(frame);
    await new Promise<void>((resolve) => s.on('data', () => { if (Buffer.from(buf, 'latin1').length >= frame.length) resolve(); }));
    assert.deepEqual(Buffer.from(buf, 'latin1'), frame);
    s.destroy();
  });

  it('HTTP/2 (h2c): streams, bodies and trailers', async () => {
    const session = http2.connect(`http://127.0.0.1:${port.h2c}`);
    const one = (i: number): Promise<{ status: number; body: string; trailers: http2.IncomingHttpHeaders }> => new Promise((resolve, reject) => {
      const st = session.request({ ':method': 'POST', ':path': `/h2/${i}`, ':authority': 'echo.default.svc.cluster.local:9081' });
      let status = 0;
      let body = '';
      let trailers: http2.IncomingHttpHeaders = {};
      st.on('response', (h) => (status = Number(h[':status'])));
      st.on('trailers', (t) => (trailers = t));
      st.on('data', (d: Buffer) => (body += d.toString()));
      st.on('end', () => resolve({ status, body, trailers }));
      st.on('error', reject);
      st.end(`payload-${i}`);
    });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => one(i)));
    session.close();
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, 200);
      assert.equal((JSON.parse(r.body) as { body: string }).body, `payload-${i}`);
      assert.equal(r.trailers['x-trailer'], 'done');
    }
  });

  it('gRPC: unary call, metadata, and a non-OK grpc-status in trailers', async () => {
    const Client = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
    const client = new Client(`127.0.0.1:${port.grpc}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'echo.default.svc.cluster.local:9082' }) as unknown as {
      Say(req: Buffer, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res?: Buffer) => void): grpc.ClientUnaryCall;
      Fail(req: Buffer, cb: (err: grpc.ServiceError | null, res?: Buffer) => void): grpc.ClientUnaryCall;
      close(): void;
    };
    const reply = await new Promise<Buffer>((resolve, reject) => client.Say(Buffer.from('ping'), new grpc.Metadata(), (err, res) => (err ? reject(err) : resolve(res!))));
    assert.match(reply.toString(), /^v[12]:ping$/);
    const err = await new Promise<grpc.ServiceError>((resolve) => client.Fail(Buffer.from('x'), (e) => resolve(e!)));
    assert.equal(err.code, grpc.status.NOT_FOUND);
    assert.match(err.details, /nothing here/);
    client.close();
  });

  it('raw TCP: bytes echo, and half-close passes the FIN both ways', async () => {
    const s = connect({ host: '127.0.0.1', port: port.tcp, allowHalfOpen: true });
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write('abc');
    await new Promise((r) => setTimeout(r, 100));
    s.end('defg');
    await new Promise<void>((resolve, reject) => { s.on('end', () => resolve()); s.on('error', reject); });
    s.destroy();
    assert.match(got, /^abcdefgbye:v[12]:7$/, 'echo, then the server\'s answer after our FIN');
  });

  it('TLS passthrough: the ClientHello reaches the app untouched (SNI seen there)', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      // Pinned to the app's own certificate: a proxy terminating TLS could not pass.
      const s = tlsConnect({ host: '127.0.0.1', port: port.tls, servername: 'echo.example.com', ca: mesh.tlsCert });
      let t = '';
      s.on('data', (d: Buffer) => (t += d.toString()));
      s.on('end', () => resolve(t));
      s.on('error', reject);
    });
    assert.match(text, /^tls:v[12]:echo\.example\.com\n$/);
  });

  it('mTLS between sidecars: the server sidecar verified the client\'s SPIFFE identity', async () => {
    await httpRequest(port.http, { path: '/mtls' });
    const text = await (await fetch(`http://${mesh.pods.v1.record.address}:15090/stats/prometheus`)).text();
    const inbound = (parsePrometheus(text).get('istio_requests_total')?.samples ?? []).filter((s) => s.labels.reporter === 'destination');
    assert.ok(inbound.length > 0, 'v1 saw requests');
    for (const s of inbound) {
      assert.equal(s.labels.source_principal, 'spiffe://cluster.local/ns/default/sa/web');
      assert.equal(s.labels.connection_security_policy, 'mutual_tls');
    }
    const client = await (await fetch(`http://${mesh.pods.web.record.address}:15090/stats/prometheus`)).text();
    const outbound = (parsePrometheus(client).get('istio_requests_total')?.samples ?? []).filter((s) => s.labels.reporter === 'source');
    assert.ok(outbound.some((s) => s.labels.destination_principal === 'spiffe://cluster.local/ns/default/sa/echo'), 'client expected the echo SAN');
  });

  it('admin 15000: /ready, /config_dump, /clusters, /stats, /logging on the live client sidecar', async () => {
    const get = async (path: string, method = 'GET'): Promise<{ status: number; text: string }> => {
      const r = await httpRequest(port.admin, { path, method, headers: { host: '127.0.0.1:15000' } });
      return { status: r.status, text: r.body };
    };
    assert.deepEqual(await get('/ready'), { status: 200, text: 'LIVE\n' });
    const dump = JSON.parse((await get('/config_dump')).text) as { configs: Array<{ '@type': string; dynamic_listeners?: Array<{ name: string }> }> };
    const listeners = dump.configs.find((c) => c['@type'].endsWith('ListenersConfigDump'))?.dynamic_listeners?.map((l) => l.name) ?? [];
    assert.ok(listeners.includes('virtualOutbound') && listeners.includes('0.0.0.0_9080'), listeners.join(','));
    assert.match((await get('/clusters')).text, /outbound\|9080\|\|echo\.default\.svc\.cluster\.local::/);
    const stats = (await get('/stats?filter=^cluster\\.outbound')).text;
    assert.match(stats, /upstream_rq_total/);
    assert.equal((await get('/logging?level=debug', 'POST')).status, 200);
    assert.equal((await get('/logging?level=info', 'POST')).status, 200);
    assert.equal((await get('/quitquitquit')).status, 405, 'GET refused on a mutating endpoint');
  });

  it('15090 and 15020: Prometheus text with Istio request and TCP metrics from real traffic', async () => {
    const web = mesh.pods.web.record.address;
    const v1 = mesh.pods.v1.record.address;
    const client = parsePrometheus(await (await fetch(`http://${web}:15090/stats/prometheus`)).text());
    const reqs = client.get('istio_requests_total');
    assert.ok(reqs?.samples.some((s) => s.labels.reporter === 'source' && s.labels.destination_service === 'echo.default.svc.cluster.local' && s.value > 0), 'source-reported requests');
    assert.ok(client.get('istio_tcp_connections_opened_total')?.samples.some((s) => s.value > 0), 'tcp_proxy connections counted');
    const merged = await fetch(`http://${v1}:15020/stats/prometheus`);
    assert.equal(merged.status, 200);
    const server = parsePrometheus(await merged.text());
    assert.ok(server.get('istio_requests_total')?.samples.some((s) => s.labels.reporter === 'destination'), 'destination-reported requests on the server sidecar');
    assert.equal((await fetch(`http://${v1}:15020/healthz/ready`)).status, 200);
  });

  it('plexus proxy-config --admin reads a real proxy', async () => {
    const url = `http://127.0.0.1:${port.admin}`;
    const clusters = await plexus(['proxy-config', 'cluster', '--admin', url]);
    assert.equal(clusters.code, 0, clusters.stderr);
    assert.match(clusters.stdout, /echo\.default\.svc\.cluster\.local\s+9080\s+-\s+outbound\s+EDS/);
    const listeners = await plexus(['proxy-config', 'listener', '--admin', url]);
    assert.equal(listeners.code, 0, listeners.stderr);
    assert.match(listeners.stdout, /15001/);
    const secrets = await plexus(['proxy-config', 'secret', '--admin', url]);
    assert.equal(secrets.code, 0, secrets.stderr);
    assert.match(secrets.stdout, /default\s+Cert Chain\s+ACTIVE\s+true/);
  });

  it('/quitquitquit drains and the sidecar exits 0; a restart serves again', async () => {
    const proxy = mesh.pods.web.proxy!;
    const exited = new Promise<number | null>((r) => proxy.child.once('exit', (code) => r(code)));
    const r = await httpRequest(port.admin, { path: '/quitquitquit', method: 'POST', headers: { host: '127.0.0.1:15000' } });
    assert.equal(r.status, 200);
    assert.equal(await exited, 0);
    await mesh.startProxy(mesh.pods.web);
    assert.equal((await httpRequest(port.http)).status, 200);
  });
});
