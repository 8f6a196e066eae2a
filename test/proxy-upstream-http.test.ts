// The upstream manager against real loopback servers: pooling, HTTP/2, streaming, breakers,
// outlier ejection, snapshot swaps, DNS and ORIGINAL_DST clusters, and TCP connections.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, describe, it } from 'node:test';
import { isUpstreamError } from '../src/proxy/upstream/upstream-error.js';
import { assignment, cluster, endpoint, h2Server, httpServer, locality, managerFor, snapshot, staticCluster, text } from './proxy-upstream-support.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('HTTP/1.1 pooling', () => {
  it('reuses one keep-alive connection for sequential requests', async () => {
    const srv = await httpServer((req, res) => res.end(`hello ${req.url}`));
    cleanups.push(srv.close);
    const { manager } = managerFor(snapshot([staticCluster('c', [srv.port])]));
    cleanups.push(() => manager.close());
    for (let i = 0; i < 5; i++) {
      const res = await manager.request('c', { method: 'GET', path: `/x${i}`, headers: { host: 'svc' } });
      assert.equal(res.status, 200);
      assert.equal(await text(res.body), `hello /x${i}`);
      assert.equal(res.endpoint.port, srv.port);
    }
    assert.equal(srv.connections(), 1);
  });

  it('streams a 50 MB body both ways without buffering it, with backpressure', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const SIZE = 50 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    const srv = await httpServer((req, res) => {
      let got = 0;
      req.on('data', (c: Buffer) => (got += c.length));
      req.on('end', () => {
        res.setHeader('x-received', String(got));
        const write = (): void => {
          while (sent < SIZE) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', write);
          }
          res.end();
        };
        write();
      });
    });
    cleanups.push(srv.close);
    const { manager } = managerFor(snapshot([staticCluster('big', [srv.port])]));
    cleanups.push(() => manager.close());
    let produced = 0;
    const upload = new Readable({
      read() {
        if (produced >= SIZE) return void this.push(null);
        produced += chunk.length;
        this.push(chunk);
      },
    });
    gc();
    const retained = (): number => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const base = retained();
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, retained())), 25);
    try {
      const res = await manager.request('big', { method: 'POST', path: '/up', headers: { host: 'svc' }, body: upload });
      assert.equal(res.headers['x-received'], String(SIZE));
      // Not reading: the server must stall on backpressure long before 50 MB.
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(sent < 8 * 1024 * 1024, `server wrote ${sent} bytes to a reader that does not read`);
      let received = 0;
      for await (const c of res.body) received += (c as Buffer).length;
      assert.equal(received, SIZE);
    } finally {
      clearInterval(sampler);
    }
    // Socket, stream and parser buffers of both ends (the server shares this process), sampled
    // between GCs, come to 13–20 MB here; holding either 50 MB body would be far above 32 MB.
    const growth = (peak - base) / (1024 * 1024);
    assert.ok(growth < 32, `retained memory grew ${growth.toFixed(1)} MB while moving 2 × 50 MB`);
  });
});

describe('HTTP/2', () => {
  it('multiplexes concurrent requests over one h2c session', async () => {
    const srv = await h2Server((stream, headers) => {
      setTimeout(() => {
        stream.respond({ ':status': 200, 'x-path': String(headers[':path']) });
        stream.end(String(headers[':authority']));
      }, 30);
    });
    cleanups.push(srv.close);
    const port = srv.port;
    const { manager } = managerFor(snapshot([staticCluster('h2', [port], { http2: true })]));
    cleanups.push(() => manager.close());
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await manager.request('h2', { method: 'GET', path: `/s${i}`, headers: { host: 'reviews:9080', connection: 'keep-alive' } });
        return { path: res.headers['x-path'], body: await text(res.body) };
      }),
    );
    assert.deepEqual(
      results.map((r) => r.path),
      Array.from({ length: 20 }, (_, i) => `/s${i}`),
    );
    assert.equal(results[0].body, 'reviews:9080');
    assert.equal(srv.sessions.length, 1);
  });
});

describe('failures and limits', () => {
  it('reports connection refused as UF, an unknown cluster as NC and no hosts as UH', async () => {
    const probe = createTcpServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const empty = cluster('empty', { type: 'EDS' });
    const { manager } = managerFor(snapshot([staticCluster('dead', [deadPort]), empty]));
    cleanups.push(() => manager.close());
    const deadHost = manager.cluster('dead')!.allHosts[0];
    // Failures after a host was picked name it; NC and UH never picked one.
    await assert.rejects(
      manager.request('dead', { method: 'GET', path: '/', headers: {} }),
      (e) => isUpstreamError(e, 'UF') && e.reason === 'connection_refused' && e.host === deadHost && e.endpoint === deadHost,
    );
    await assert.rejects(manager.connect('dead'), (e) => isUpstreamError(e, 'UF') && e.host === deadHost);
    await assert.rejects(manager.request('nope', { method: 'GET', path: '/', headers: {} }), (e) => isUpstreamError(e, 'NC') && e.host === undefined);
    await assert.rejects(manager.request('empty', { method: 'GET', path: '/', headers: {} }), (e) => isUpstreamError(e, 'UH') && e.host === undefined);
  });

  it('overflows the request and pending breakers with UO, times out with UT, aborts with DC', async () => {
    const held: (() => void)[] = [];
    const srv = await httpServer((_req, res) => held.push(() => res.end('late')));
    cleanups.push(srv.close);
    const c = staticCluster('cb', [srv.port], { circuitBreakers: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 2, maxRetries: 1 } });
    const { manager } = managerFor(snapshot([c]));
    cleanups.push(() => manager.close());
    const first = manager.request('cb', { method: 'GET', path: '/1', headers: {} });
    await new Promise((r) => setTimeout(r, 100));
    // The only connection is busy: the second request waits (pending), a third overflows pending... or requests.
    const second = manager.request('cb', { method: 'GET', path: '/2', headers: {} });
    const cbHost = manager.cluster('cb')!.allHosts[0];
    await assert.rejects(manager.request('cb', { method: 'GET', path: '/3', headers: {} }), (e) => isUpstreamError(e, 'UO') && e.host === cbHost);
    assert.equal(manager.cluster('cb')!.breaker.requests, 2);
    assert.ok(manager.tryStartRetry('cb'));
    assert.equal(manager.tryStartRetry('cb'), false, 'retry breaker');
    manager.endRetry('cb');
    held.shift()!();
    assert.equal(await text((await first).body), 'late');
    while (held.length === 0) await new Promise((r) => setTimeout(r, 10));
    held.shift()!();
    assert.equal((await second).status, 200);

    await assert.rejects(manager.request('cb', { method: 'GET', path: '/slow', headers: {}, timeoutMs: 100 }), (e) => isUpstreamError(e, 'UT') && e.host === cbHost);
    const ac = new AbortController();
    const aborted = manager.request('cb', { method: 'GET', path: '/abort', headers: {}, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(aborted, (e) => isUpstreamError(e, 'DC') && e.host === cbHost);
    for (const h of held) h();
    const b = manager.cluster('cb')!.breaker;
    assert.equal(b.pending, 0);
    assert.equal(b.requests, 0);
  });

  it('ejects a host returning 5xx and brings it back', async () => {
    const bad = await httpServer((_req, res) => {
      res.statusCode = 503;
      res.end('bad');
    });
    const good = await httpServer((_req, res) => res.end('good'));
    cleanups.push(bad.close, good.close);
    const c = staticCluster('od', [bad.port, good.port], {
      outlierDetection: { consecutive5xx: 2, splitExternalLocalOriginErrors: false, intervalMs: 50, baseEjectionTimeMs: 300, maxEjectionPercent: 50 },
    });
    const { manager } = managerFor(snapshot([c]));
    cleanups.push(() => manager.close());
    const hit = async (): Promise<number> => {
      const r = await manager.request('od', { method: 'GET', path: '/', headers: {} });
      await text(r.body);
      return r.endpoint.port;
    };
    for (let i = 0; i < 4; i++) await hit();
    const badHost = manager.cluster('od')!.allHosts.find((h) => h.port === bad.port)!;
    assert.equal(badHost.ejected, true);
    for (let i = 0; i < 6; i++) assert.equal(await hit(), good.port);
    await new Promise((r) => setTimeout(r, 450));
    assert.equal(badHost.ejected, false);
    const ports = new Set<number>();
    for (let i = 0; i < 4; i++) ports.add(await hit());
    assert.ok(ports.has(bad.port), 'returned host gets traffic again');
  });
});

describe('snapshot swaps', () => {
  it('keeps an in-flight request alive when its endpoint leaves, and routes new ones to the new endpoint', async () => {
    let release: (() => void) | undefined;
    const oldSrv = await httpServer((_req, res) => {
      res.write('part1-');
      release = () => res.end('part2');
    });
    const newSrv = await httpServer((_req, res) => res.end('new'));
    cleanups.push(oldSrv.close, newSrv.close);
    const { holder, manager } = managerFor(snapshot([staticCluster('swap', [oldSrv.port])]));
    cleanups.push(() => manager.close());
    const res = await manager.request('swap', { method: 'GET', path: '/', headers: {} });
    const bodyText = text(res.body);
    holder.replace(snapshot([staticCluster('swap', [newSrv.port])]));
    assert.equal(res.endpoint.live, false);
    const fresh = await manager.request('swap', { method: 'GET', path: '/', headers: {} });
    assert.equal(await text(fresh.body), 'new');
    release!();
    assert.equal(await bodyText, 'part1-part2');
    // A removed cluster drains the same way.
    holder.replace(snapshot([]));
    await assert.rejects(manager.request('swap', { method: 'GET', path: '/', headers: {} }), (e) => isUpstreamError(e, 'NC'));
  });

  it('updates EDS endpoints in place, keeping hosts and their pools', async () => {
    const a = await httpServer((_req, res) => res.end('a'));
    const b = await httpServer((_req, res) => res.end('b'));
    cleanups.push(a.close, b.close);
    const c = cluster('eds', { type: 'EDS' });
    const { holder, manager } = managerFor(snapshot([c], { endpoints: [assignment('eds', [locality([endpoint('127.0.0.1', a.port)])])] }));
    cleanups.push(() => manager.close());
    const r1 = await manager.request('eds', { method: 'GET', path: '/', headers: {} });
    await text(r1.body);
    holder.replace(snapshot([c], { endpoints: [assignment('eds', [locality([endpoint('127.0.0.1', a.port), endpoint('127.0.0.1', b.port)])])] }));
    const hostA = manager.cluster('eds')!.allHosts.find((h) => h.port === a.port);
    assert.equal(hostA, r1.endpoint, 'same host object after the update');
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const r = await manager.request('eds', { method: 'GET', path: '/', headers: {} });
      seen.add(await text(r.body));
    }
    assert.deepEqual([...seen].sort(), ['a', 'b']);
    assert.equal(a.connections(), 1, 'connection to the kept host was reused');
  });
});

describe('cluster types', () => {
  it('STRICT_DNS resolves localhost; LOGICAL_DNS connects by name', async () => {
    const srv = await httpServer((_req, res) => res.end('dns'));
    cleanups.push(srv.close);
    const strict = cluster('strict', { type: 'STRICT_DNS', dnsRefreshRateMs: 200, loadAssignment: assignment('strict', [locality([endpoint('localhost', srv.port)])]) });
    const logical = cluster('logical', { type: 'LOGICAL_DNS', loadAssignment: assignment('logical', [locality([endpoint('localhost', srv.port)])]) });
    const { manager } = managerFor(snapshot([strict, logical]));
    cleanups.push(() => manager.close());
    const res = await manager.request('strict', { method: 'GET', path: '/', headers: {} }, { attempted: new Set() });
    // On hosts where localhost also means ::1, the server (127.0.0.1 only) is reached via the v4 host.
    const hostsNow = manager.cluster('strict')!.allHosts.map((h) => h.address);
    assert.ok(hostsNow.includes('127.0.0.1'), `resolved ${hostsNow.join(',')}`);
    if (res.endpoint.address === '127.0.0.1') assert.equal(await text(res.body), 'dns');
    const lres = await manager.request('logical', { method: 'GET', path: '/', headers: {} });
    assert.equal(lres.endpoint.address, 'localhost');
    assert.equal(await text(lres.body), 'dns');
  });

  it('ORIGINAL_DST uses the connection destination or the override header', async () => {
    const a = await httpServer((_req, res) => res.end('a'));
    const b = await httpServer((_req, res) => res.end('b'));
    cleanups.push(a.close, b.close);
    const c = cluster('passthrough', { type: 'ORIGINAL_DST', lbPolicy: 'CLUSTER_PROVIDED', originalDstHeader: 'x-envoy-original-dst-host' });
    const { manager } = managerFor(snapshot([c]));
    cleanups.push(() => manager.close());
    const r1 = await manager.request('passthrough', { method: 'GET', path: '/', headers: {} }, { originalDestination: { address: '127.0.0.1', port: a.port } });
    assert.equal(await text(r1.body), 'a');
    const r2 = await manager.request('passthrough', { method: 'GET', path: '/', headers: { 'x-envoy-original-dst-host': `127.0.0.1:${b.port}` } }, { originalDestination: { address: '127.0.0.1', port: a.port } });
    assert.equal(await text(r2.body), 'b');
    await assert.rejects(manager.request('passthrough', { method: 'GET', path: '/', headers: {} }), (e) => isUpstreamError(e, 'UH'));
  });

  it('opens TCP connections for tcp_proxy, limited by max connections', async () => {
    const server = createTcpServer((s) => s.pipe(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as AddressInfo).port;
    const c = staticCluster('tcp', [port], { circuitBreakers: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 1, maxRetries: 1 } });
    const { manager } = managerFor(snapshot([c]));
    cleanups.push(() => manager.close());
    const { socket, endpoint: ep } = await manager.connect('tcp');
    assert.equal(ep.port, port);
    socket.write('ping');
    const [data] = (await once(socket, 'data')) as [Buffer];
    assert.equal(data.toString(), 'ping');
    await assert.rejects(manager.connect('tcp'), (e) => isUpstreamError(e, 'UO'));
    socket.destroy();
    await once(socket, 'close');
    const again = await manager.connect('tcp');
    again.socket.destroy();
  });
});
