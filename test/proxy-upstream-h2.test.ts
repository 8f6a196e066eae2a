// HTTP/2 upstreams through the UpstreamManager (and once through the whole proxy) against real
// node:http2 servers: nothing lost when trailers follow buffered DATA to a slow reader, resets,
// GOAWAY, many streams, stream limits, per-try timeout and abort (RST_STREAM CANCEL), idle and
// max-requests rotation, draining, and request bodies with backpressure.
import assert from 'node:assert/strict';
import http2, { type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { isUpstreamError } from '../src/proxy/upstream/upstream-error.js';
import type { ClusterState } from '../src/proxy/upstream/cluster-state.js';
import { cluster as proxyCluster, hcmConfig, route, routeConfig, startProxy, vhost } from './proxy-http-support.js';
import { h2Server, managerFor, snapshot, staticCluster, text, until } from './proxy-upstream-support.js';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = http2.constants;
const CHUNK = 16 * 1024;
const MiB = 1024 * 1024;

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** `size` bytes in 16 KiB blocks that each carry their index, so a lost or reordered block shows. */
function pattern(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; off += CHUNK, i++) {
    b.fill(i & 0xff, off, Math.min(size, off + CHUNK));
    if (off + 4 <= size) b.writeUInt32BE(i, off);
  }
  return b;
}

/**
 * Answers like a gRPC server-streaming call: `payload` in 16 KiB DATA frames as fast as flow
 * control lets it out (honouring backpressure, as a real server does), then trailers at once.
 */
function dataThenTrailers(payload: Buffer, trailers: OutgoingHttpHeaders): (stream: ServerHttp2Stream) => void {
  return (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    let off = 0;
    const write = (): void => {
      while (off < payload.length) {
        const chunk = payload.subarray(off, off + CHUNK);
        off += CHUNK;
        if (!stream.write(chunk)) return void stream.once('drain', write);
      }
      stream.end();
    };
    write();
  };
}

/** Reader rhythms (ms paused between 1 ms steps); the old loss showed up with some phases only. */
const RHYTHMS = [2, 3, 4, 5, 8, 12, 20, 30];
const STREAMS_PER_RHYTHM = 3;

/**
 * Reads `body` like a slow consumer: paused for 200 ms, then resumed in small steps (flowing for
 * 1 ms, paused for `pauseMs`), so the upstream's last DATA and its trailers keep arriving while
 * data waits behind the paused reader. Every byte is checked against `expected` in order;
 * `got.bytes` counts them. Resolves at 'end', rejects on 'error'.
 */
function readInSteps(body: Readable, expected: Buffer, pauseMs: number, got: { bytes: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    let mismatch: Error | undefined;
    body.pause();
    body.on('data', (chunk: Buffer) => {
      if (mismatch === undefined && !chunk.equals(expected.subarray(got.bytes, got.bytes + chunk.length))) {
        mismatch = new Error(`bytes ${got.bytes}..${got.bytes + chunk.length} differ from what the upstream sent`);
      }
      got.bytes += chunk.length;
    });
    body.once('end', () => (mismatch === undefined ? resolve() : reject(mismatch)));
    body.once('error', reject);
    const step = (): void => {
      if (body.readableEnded || body.destroyed) return;
      body.resume();
      setTimeout(() => {
        body.pause();
        setTimeout(step, pauseMs);
      }, 1);
    };
    setTimeout(step, 200);
  });
}

/** No request of the cluster is pending or active, on the breaker or on any host. */
function assertIdle(c: ClusterState): void {
  assert.equal(c.breaker.pending, 0, 'breaker.pending');
  assert.equal(c.breaker.requests, 0, 'breaker.requests');
  for (const h of c.allHosts) assert.equal(h.activeRequests, 0, `activeRequests of ${h.key}`);
}

const GRPC_HEADERS = { host: 'svc', 'content-type': 'application/grpc', te: 'trailers' };
const TRAILERS = { 'grpc-status': '0', 'grpc-message': 'all sent', 'x-checksum': 'c0ffee' };

/** What one slowly read stream saw; `problem` is set when it did not get everything in order. */
interface SlowReadOutcome {
  readonly what: string;
  readonly problem?: string;
}

/** Runs `read`, turning a failure or a hang past `ms` into a problem report rather than a stuck test. */
async function outcome(what: string, ms: number, read: () => Promise<string | undefined>): Promise<SlowReadOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((r) => (timer = setTimeout(() => r(`not finished after ${ms} ms`), ms)));
  try {
    const problem = await Promise.race([read().catch((e: unknown) => `failed: ${(e as Error).message}`), deadline]);
    return problem === undefined ? { what } : { what, problem };
  } finally {
    clearTimeout(timer);
  }
}

describe('HTTP/2 upstream: nothing lost', () => {
  it('delivers every DATA byte, in order, before the trailers, to readers that pause and resume', { timeout: 60_000 }, async () => {
    const payload = pattern(4 * MiB);
    const srv = await h2Server(dataThenTrailers(payload, TRAILERS));
    cleanups.push(srv.close);
    // One cluster (so one session) per rhythm, several streams on each.
    const { manager } = managerFor(snapshot(RHYTHMS.map((_, r) => staticCluster(`grpc${r}`, [srv.port], { http2: true }))));
    cleanups.push(() => manager.close());
    const outcomes = RHYTHMS.flatMap((pauseMs, r) =>
      Array.from({ length: STREAMS_PER_RHYTHM }, (_, i) =>
        outcome(`grpc${r} stream ${i} (reader pausing ${pauseMs} ms)`, 15_000, async () => {
          const res = await manager.request(`grpc${r}`, { method: 'POST', path: '/pkg.Books/List', headers: GRPC_HEADERS, body: Readable.from([Buffer.alloc(5)]) });
          const got = { bytes: 0 };
          let bytesAtTrailers = -1;
          void res.trailers.then(() => (bytesAtTrailers = got.bytes));
          await readInSteps(res.body, payload, pauseMs, got);
          const trailers = { ...(await res.trailers) };
          if (got.bytes !== payload.length) return `got ${got.bytes} of ${payload.length} bytes`;
          if (bytesAtTrailers !== payload.length) return `trailers reported after ${bytesAtTrailers} bytes`;
          if (JSON.stringify(trailers) !== JSON.stringify(TRAILERS)) return `trailers ${JSON.stringify(trailers)}`;
          return undefined;
        }),
      ),
    );
    assert.deepEqual((await Promise.all(outcomes)).filter((o) => o.problem !== undefined), []);
    assert.equal(srv.sessions.length, RHYTHMS.length);
    for (let r = 0; r < RHYTHMS.length; r++) assertIdle(manager.cluster(`grpc${r}`)!);
  });

  it('through the proxy: slow HTTP/2 downstreams get every byte, then the upstream trailers', { timeout: 60_000 }, async () => {
    const payload = pattern(4 * MiB);
    const srv = await h2Server(dataThenTrailers(payload, TRAILERS));
    cleanups.push(srv.close);
    const rc = routeConfig([vhost('v', ['*'], [route({ grpc: true }, { cluster: 'grpc' })])]);
    const proxy = await startProxy(hcmConfig(rc), [proxyCluster('grpc', [srv.port], { http2: true })]);
    cleanups.push(() => proxy.close());
    // One downstream connection per rhythm (windows wider than node's 64 KiB default, to keep the
    // test short); upstream, they all share the cluster's session.
    const outcomes = RHYTHMS.flatMap((pauseMs) => {
      const client = http2.connect(`http://127.0.0.1:${proxy.port}`, { settings: { initialWindowSize: MiB } });
      client.once('connect', () => client.setLocalWindowSize(8 * MiB));
      cleanups.push(() => client.destroy());
      return Array.from({ length: STREAMS_PER_RHYTHM }, (_, i) =>
        outcome(`downstream stream ${i} (reader pausing ${pauseMs} ms)`, 15_000, async () => {
          const stream = client.request({ ':method': 'POST', ':path': '/pkg.Books/List', ':authority': 'svc', 'content-type': 'application/grpc', te: 'trailers' });
          stream.end(Buffer.alloc(5));
          let trailers: IncomingHttpHeaders = {};
          stream.on('trailers', (t) => (trailers = t));
          const got = { bytes: 0 };
          await readInSteps(stream, payload, pauseMs, got);
          if (got.bytes !== payload.length) return `got ${got.bytes} of ${payload.length} bytes`;
          for (const [k, v] of Object.entries(TRAILERS)) if (trailers[k] !== v) return `trailer ${k}: ${String(trailers[k])}`;
          return undefined;
        }),
      );
    });
    assert.deepEqual((await Promise.all(outcomes)).filter((o) => o.problem !== undefined), []);
    assertIdle(proxy.upstream.cluster('grpc')!);
  });
});

describe('HTTP/2 upstream: resets and GOAWAY', () => {
  it('a reset mid-body errors the body with UR, a refused stream is a retriable UR, a lost connection is UC', async () => {
    const srv = await h2Server((stream, headers) => {
      switch (headers[':path']) {
        case '/refuse':
          stream.close(NGHTTP2_REFUSED_STREAM);
          return;
        case '/drop':
          stream.respond({ ':status': 200 });
          stream.write(Buffer.alloc(CHUNK, 2));
          setTimeout(() => stream.session?.destroy(), 50);
          return;
        default:
          stream.respond({ ':status': 200 });
          stream.write(Buffer.alloc(4 * CHUNK, 1));
          // destroy() resets without END_STREAM (close() would end the response first).
          setTimeout(() => stream.destroy(new Error('upstream failed mid-body')), 50);
      }
    });
    cleanups.push(srv.close);
    const { manager } = managerFor(snapshot([staticCluster('h2', [srv.port], { http2: true })]));
    cleanups.push(() => manager.close());
    const host = manager.cluster('h2')!.allHosts[0];

    const reset = await manager.request('h2', { method: 'GET', path: '/reset', headers: {} });
    await assert.rejects(text(reset.body), (e) => isUpstreamError(e, 'UR') && e.host === host);
    await assert.rejects(manager.request('h2', { method: 'GET', path: '/refuse', headers: {} }), (e) => isUpstreamError(e, 'UR') && e.reason.includes('refused') && e.host === host);
    // The session outlives its streams' resets.
    assert.equal(srv.sessions.length, 1);

    const drop = await manager.request('h2', { method: 'GET', path: '/drop', headers: {} });
    await assert.rejects(text(drop.body), (e) => isUpstreamError(e, 'UC') && e.host === host);
    const after = await manager.request('h2', { method: 'GET', path: '/refuse', headers: {} }).catch((e: unknown) => e);
    assert.ok(isUpstreamError(after, 'UR'), 'the next request went out on a new session');
    assert.equal(srv.sessions.length, 2);
    assertIdle(manager.cluster('h2')!);
  });

  it('GOAWAY: streams the peer accepted finish, later ones are refused cleanly, new requests open a new session', async () => {
    const held: ServerHttp2Stream[] = [];
    const srv = await h2Server((stream, headers) => {
      if (String(headers[':path']).startsWith('/held')) return void held.push(stream);
      stream.respond({ ':status': 200 });
      stream.end('fresh');
    });
    cleanups.push(srv.close);
    const { manager } = managerFor(snapshot([staticCluster('h2', [srv.port], { http2: true })]));
    cleanups.push(() => manager.close());
    const inFlight = [0, 1, 2].map((i) => manager.request('h2', { method: 'GET', path: `/held${i}`, headers: {} }));
    await until(() => held.length === 3, 'three streams at the server');
    // Streams 1 and 3 are accepted; 5 was not processed and must be refused, not lost.
    srv.sessions[0].goaway(NGHTTP2_NO_ERROR, 3);
    await assert.rejects(inFlight[2], (e) => isUpstreamError(e, 'UR') && e.reason.includes('refused'));
    const fresh = await manager.request('h2', { method: 'GET', path: '/after', headers: {} });
    assert.equal(await text(fresh.body), 'fresh');
    assert.equal(srv.sessions.length, 2, 'a new session after GOAWAY');
    for (const s of held.slice(0, 2)) {
      s.respond({ ':status': 200 });
      s.end(`done ${s.id}`);
    }
    assert.equal(await text((await inFlight[0]).body), 'done 1');
    assert.equal(await text((await inFlight[1]).body), 'done 3');
    await until(() => srv.sessions[0].destroyed, 'the old session to close once its streams finished');
    assertIdle(manager.cluster('h2')!);
  });
});

describe('HTTP/2 upstream: streams and sessions', () => {
  it('multiplexes 150 concurrent streams on one session', async () => {
    const held: { stream: ServerHttp2Stream; path: string }[] = [];
    const srv = await h2Server((stream, headers) => held.push({ stream, path: String(headers[':path']) }));
    cleanups.push(srv.close);
    const { manager } = managerFor(snapshot([staticCluster('many', [srv.port], { http2: true, maxConcurrentStreams: 200 })]));
    cleanups.push(() => manager.close());
    const all = Array.from({ length: 150 }, (_, i) => manager.request('many', { method: 'GET', path: `/m${i}`, headers: {} }).then((r) => text(r.body)));
    await until(() => held.length === 150, '150 streams open at the server at once');
    assert.equal(srv.sessions.length, 1);
    assert.equal(manager.cluster('many')!.breaker.requests, 150);
    for (const { stream, path } of held.reverse()) {
      stream.respond({ ':status': 200 });
      stream.end(`answer to ${path}`);
    }
    assert.deepEqual(
      await Promise.all(all),
      Array.from({ length: 150 }, (_, i) => `answer to /m${i}`),
    );
    assertIdle(manager.cluster('many')!);
  });

  it('opens another session past our stream limit and past the peer’s', async () => {
    const held: ServerHttp2Stream[] = [];
    const hold = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
      if (headers[':path'] === '/warm') {
        stream.respond({ ':status': 200 });
        return void stream.end();
      }
      held.push(stream);
    };
    const ours = await h2Server(hold);
    const peers = await h2Server(hold, { maxConcurrentStreams: 20 });
    cleanups.push(ours.close, peers.close);
    const { manager } = managerFor(
      snapshot([staticCluster('ours', [ours.port], { http2: true, maxConcurrentStreams: 10 }), staticCluster('peers', [peers.port], { http2: true, maxConcurrentStreams: 100 })]),
    );
    cleanups.push(() => manager.close());
    const release = async (pending: Promise<unknown>[]): Promise<void> => {
      for (const s of held.splice(0)) {
        s.respond({ ':status': 200 });
        s.end();
      }
      await Promise.all(pending);
    };

    const a = Array.from({ length: 25 }, (_, i) => manager.request('ours', { method: 'GET', path: `/o${i}`, headers: {} }).then((r) => text(r.body)));
    await until(() => held.length === 25, 'all 25 streams open');
    assert.equal(ours.sessions.length, 3, '10 + 10 + 5');
    await release(a);

    // The first session learns the peer's limit (SETTINGS); later sessions start from it.
    await text((await manager.request('peers', { method: 'GET', path: '/warm', headers: {} })).body);
    const b = Array.from({ length: 45 }, (_, i) => manager.request('peers', { method: 'GET', path: `/p${i}`, headers: {} }).then((r) => text(r.body)));
    await until(() => held.length === 45, 'all 45 streams open');
    assert.equal(peers.sessions.length, 3, '20 + 20 + 5');
    for (const s of peers.streams) assert.notEqual(s.rstCode, NGHTTP2_REFUSED_STREAM);
    await release(b);
    assertIdle(manager.cluster('ours')!);
    assertIdle(manager.cluster('peers')!);
  });

  it('closes an idle session after idleTimeoutMs, and rotates sessions after maxRequestsPerConnection', async () => {
    const srv = await h2Server((stream) => {
      stream.respond({ ':status': 200 });
      stream.end('ok');
    });
    const rot = await h2Server((stream) => {
      stream.respond({ ':status': 200 });
      stream.end('ok');
    });
    cleanups.push(srv.close, rot.close);
    const { manager } = managerFor(
      snapshot([staticCluster('idle', [srv.port], { http2: true, idleTimeoutMs: 150 }), staticCluster('rot', [rot.port], { http2: true, maxRequestsPerConnection: 3 })]),
    );
    cleanups.push(() => manager.close());
    assert.equal(await text((await manager.request('idle', { method: 'GET', path: '/1', headers: {} })).body), 'ok');
    await until(() => srv.sessions.length === 1 && srv.openSessions() === 0, 'the idle session to close');
    assert.equal(await text((await manager.request('idle', { method: 'GET', path: '/2', headers: {} })).body), 'ok');
    assert.equal(srv.sessions.length, 2);

    for (let i = 0; i < 7; i++) assert.equal(await text((await manager.request('rot', { method: 'GET', path: `/r${i}`, headers: {} })).body), 'ok');
    assert.equal(rot.sessions.length, 3, '3 + 3 + 1 requests');
    await until(() => rot.openSessions() === 1, 'used-up sessions to close');
    assertIdle(manager.cluster('rot')!);
  });

  it('draining lets in-flight streams finish before the session closes; destroy fails them at once', async () => {
    const held: ServerHttp2Stream[] = [];
    const srv = await h2Server((stream) => {
      stream.respond({ ':status': 200 });
      stream.write('head-');
      held.push(stream);
    });
    cleanups.push(srv.close);
    const { holder, manager } = managerFor(snapshot([staticCluster('d', [srv.port], { http2: true })]));
    cleanups.push(() => manager.close());
    const res = await manager.request('d', { method: 'GET', path: '/', headers: {} });
    const body = text(res.body);
    holder.replace(snapshot([]));
    await sleep(50);
    assert.equal(srv.openSessions(), 1, 'still open while a stream is in flight');
    held[0].end('tail');
    assert.equal(await body, 'head-tail');
    await until(() => srv.openSessions() === 0, 'the drained session to close');

    const second = managerFor(snapshot([staticCluster('d', [srv.port], { http2: true })])).manager;
    const state = second.cluster('d')!;
    const res2 = await second.request('d', { method: 'GET', path: '/', headers: {} });
    const failure = text(res2.body).then(
      () => undefined,
      (e: unknown) => e,
    );
    await second.close();
    assert.ok(isUpstreamError(await failure, 'UC'));
    assertIdle(state);
    await until(() => srv.openSessions() === 0, 'the destroyed session to close');
  });

  it('a refused connection fails every queued request with UF', async () => {
    const probe = createTcpServer().listen(0, '127.0.0.1');
    await new Promise((r) => probe.once('listening', r));
    const dead = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const { manager } = managerFor(snapshot([staticCluster('dead', [dead], { http2: true })]));
    cleanups.push(() => manager.close());
    const all = await Promise.allSettled(Array.from({ length: 5 }, () => manager.request('dead', { method: 'GET', path: '/', headers: {} })));
    for (const r of all) assert.ok(r.status === 'rejected' && isUpstreamError(r.reason, 'UF'), String(r.status === 'rejected' ? r.reason : 'fulfilled'));
    assertIdle(manager.cluster('dead')!);
  });
});

describe('HTTP/2 upstream: timeout, abort, request bodies', () => {
  it('a per-try timeout resets the stream with CANCEL, before and after the response headers, and frees the accounting', async () => {
    const srv = await h2Server((stream, headers) => {
      if (headers[':path'] === '/stall-body') {
        stream.respond({ ':status': 200 });
        stream.write('partial');
      }
    });
    cleanups.push(srv.close);
    const { manager } = managerFor(snapshot([staticCluster('t', [srv.port], { http2: true })]));
    cleanups.push(() => manager.close());
    const host = manager.cluster('t')!.allHosts[0];
    await assert.rejects(manager.request('t', { method: 'GET', path: '/silent', headers: {}, timeoutMs: 100 }), (e) => isUpstreamError(e, 'UT') && e.host === host);
    await until(() => srv.streams[0]?.rstCode !== undefined, 'the server to see the stream reset');
    assert.equal(srv.streams[0].rstCode, NGHTTP2_CANCEL);
    assertIdle(manager.cluster('t')!);

    const res = await manager.request('t', { method: 'GET', path: '/stall-body', headers: {}, timeoutMs: 150 });
    await assert.rejects(text(res.body), (e) => isUpstreamError(e, 'UT'));
    await until(() => srv.streams[1]?.rstCode !== undefined, 'the server to see the stream reset');
    assert.equal(srv.streams[1].rstCode, NGHTTP2_CANCEL);
    assertIdle(manager.cluster('t')!);
    assert.equal(srv.sessions.length, 1);
    assert.equal(srv.openSessions(), 1, 'a cancelled stream leaves its session open');
  });

  it('an abort or a destroyed body resets the stream with CANCEL and frees the accounting', async () => {
    const srv = await h2Server((stream, headers) => {
      if (headers[':path'] !== '/silent') {
        stream.respond({ ':status': 200 });
        stream.write(Buffer.alloc(CHUNK));
      }
    });
    cleanups.push(srv.close);
    const { manager } = managerFor(snapshot([staticCluster('a', [srv.port], { http2: true })]));
    cleanups.push(() => manager.close());
    const resetCode = async (i: number): Promise<number | undefined> => {
      await until(() => srv.streams[i]?.rstCode !== undefined, `stream #${i} to close at the server`);
      return srv.streams[i].rstCode;
    };

    const before = new AbortController();
    const p = manager.request('a', { method: 'GET', path: '/silent', headers: {}, signal: before.signal });
    await until(() => srv.streams.length === 1, 'the stream to reach the server');
    before.abort();
    await assert.rejects(p, (e) => isUpstreamError(e, 'DC'));
    assert.equal(await resetCode(0), NGHTTP2_CANCEL);

    const mid = new AbortController();
    const res = await manager.request('a', { method: 'GET', path: '/body', headers: {}, signal: mid.signal });
    mid.abort();
    await assert.rejects(text(res.body), (e) => isUpstreamError(e, 'DC'));
    assert.equal(await resetCode(1), NGHTTP2_CANCEL);

    const dropped = await manager.request('a', { method: 'GET', path: '/body', headers: {} });
    dropped.body.destroy();
    assert.equal(await resetCode(2), NGHTTP2_CANCEL);
    assert.deepEqual({ ...(await dropped.trailers) }, {});

    const already = new AbortController();
    already.abort();
    await assert.rejects(manager.request('a', { method: 'GET', path: '/never', headers: {}, signal: already.signal }), (e) => isUpstreamError(e, 'DC'));
    await sleep(50);
    assert.equal(srv.streams.length, 3, 'an aborted request never opens a stream');
    assertIdle(manager.cluster('a')!);
    assert.equal(srv.openSessions(), 1);
  });

  it('streams a request body with backpressure and delivers it whole; a failing request body resets with CANCEL', async () => {
    const SIZE = 8 * MiB;
    let startReading: (() => void) | undefined;
    const srv = await h2Server((stream, headers) => {
      if (headers[':path'] === '/fail') return;
      startReading = () => {
        let got = 0;
        stream.on('data', (c: Buffer) => (got += c.length));
        stream.on('end', () => {
          stream.respond({ ':status': 200, 'x-received': String(got) });
          stream.end();
        });
      };
    });
    cleanups.push(srv.close);
    const { manager } = managerFor(snapshot([staticCluster('up', [srv.port], { http2: true })]));
    cleanups.push(() => manager.close());
    const chunk = Buffer.alloc(64 * 1024, 3);
    let produced = 0;
    const upload = new Readable({
      read() {
        if (produced >= SIZE) return void this.push(null);
        produced += chunk.length;
        this.push(chunk);
      },
    });
    const pending = manager.request('up', { method: 'POST', path: '/up', headers: {}, body: upload });
    await sleep(300);
    assert.ok(produced < 2 * MiB, `the upload ran ${produced} bytes ahead of a server that does not read`);
    startReading!();
    const res = await pending;
    assert.equal(res.headers['x-received'], String(SIZE));
    await text(res.body);

    const failing = new Readable({ read() {} });
    failing.push(Buffer.alloc(CHUNK));
    const failed = manager.request('up', { method: 'POST', path: '/fail', headers: {}, body: failing });
    await until(() => srv.streams.length === 2, 'the second stream to reach the server');
    failing.destroy(new Error('downstream went away'));
    await assert.rejects(failed, (e) => isUpstreamError(e, 'DC'));
    await until(() => srv.streams[1].rstCode !== undefined, 'the server to see the reset');
    assert.equal(srv.streams[1].rstCode, NGHTTP2_CANCEL);
    assert.equal(srv.streams[1].requestEnded, false, 'the cut-off request must not look complete');
    assert.equal(srv.streams[0].requestEnded, true);
    assertIdle(manager.cluster('up')!);
  });
});
