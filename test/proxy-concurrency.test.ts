// `plexus proxy --concurrency 2` as real processes on 127.0.0.1: a real `plexus controller`
// configures it over xDS (explicit mode: an HTTP proxy port), an HTTP upstream answers, and
// the test talks to the primary's admin, scrape and readiness ports like an operator would.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '../src/api/resource.js';
import { freePorts } from '../src/agent/free-ports.js';
import { call, parsePrometheus, type ParsedFamily } from './proxy-admin-support.js';
import { applier, ControllerProcess, plexus } from './support/controller-process.js';
import { service, virtualService, workloadEntry } from './support/mesh-objects.js';
import { ProxyChild as ProxyChildBase, type LogLine } from './support/proxy-child.js';
import { waitFor } from './support/wait-for.js';

const AUTHORITY = 'echo.default.svc.cluster.local:8080';
const CLUSTER = `outbound|8080||echo.default.svc.cluster.local`;

/** The proxy under test, with the worker forks it logged. */
class ProxyChild extends ProxyChildBase {
  /** The workers forked so far, by slot, in order. */
  forked(): { slot: number; pid: number }[] {
    return this.logs.filter((l) => l.msg === 'proxy worker forked').map((l) => ({ slot: l.slot as number, pid: l.pid as number }));
  }
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request through the sidecar's HTTP proxy port, on a fresh connection. */
function viaProxy(port: number, path = '/hello', timeoutMs = 5_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: `http://${AUTHORITY}${path}`, headers: { host: AUTHORITY }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function sum(f: ParsedFamily | undefined, pred: (labels: Record<string, string>, name: string) => boolean = () => true): number {
  return (f?.samples ?? []).filter((s) => pred(s.labels, s.name)).reduce((n, s) => n + s.value, 0);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('plexus proxy --concurrency 2 (primary and workers)', { timeout: 30_000 }, () => {
  let home: string;
  let controller: ControllerProcess;
  let upstream: http.Server;
  let proxy: ProxyChild;
  let proxyPort: number;
  let ports: { admin: number; prometheus: number; readiness: number };
  let apply: (...resources: Resource[]) => Promise<void>;

  async function scrape(): Promise<Map<string, ParsedFamily>> {
    const r = await call(ports.prometheus, '/stats/prometheus');
    assert.equal(r.status, 200);
    return parsePrometheus(r.body);
  }

  /** Accepted connections of the HTTP proxy listener, per worker slot (Envoy's per-worker listener stats). */
  async function perWorker(): Promise<{ w0: number; w1: number; total: number }> {
    const fams = await scrape();
    const listener = `127.0.0.1_${proxyPort}`;
    const mine = (l: Record<string, string>): boolean => l.envoy_listener_address === listener;
    const worker = fams.get('envoy_listener_worker_downstream_cx_total');
    return {
      w0: sum(worker, (l) => mine(l) && l.envoy_worker_id === '0'),
      w1: sum(worker, (l) => mine(l) && l.envoy_worker_id === '1'),
      total: sum(fams.get('envoy_listener_downstream_cx_total'), mine),
    };
  }

  before(async () => {
    upstream = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from upstream ${req.url}`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const upstreamPort = (upstream.address() as AddressInfo).port;
    home = mkdtempSync(join(tmpdir(), 'plexus-concurrency-'));
    apply = applier(home);
    controller = await ControllerProcess.start(home);
    await apply(
      service('echo', 'default', { app: 'echo' }, [{ name: 'http', port: 8080 }]),
      workloadEntry('echo-1', 'default', '127.0.0.1', { app: 'echo' }, { http: upstreamPort }),
    );
    // A workload certificate (the primary's agent asks the controller's CA) completes the config.
    const token = await plexus(['x', 'ca', 'token', '--home', home, '-n', 'default', '--sa', 'conc-client']);
    assert.equal(token.code, 0, token.stderr);
    [proxyPort] = await freePorts(1);
    proxy = new ProxyChild([
      '--token', token.stdout.trim(), '--service-account', 'conc-client',
      '--concurrency', '2', '--controller', `127.0.0.1:${controller.ports.xds}`,
      '--ip', '127.0.0.1', '--pod-name', 'conc-client', '--namespace', 'default', '--capture', 'off', '--http-proxy-port', String(proxyPort),
      '--admin-port', '0', '--stats-port', '0', '--status-port=-1', '--stats-host', '127.0.0.1',
      '--readiness-port', '0', '--readiness-host', '127.0.0.1', '--drain-timeout', '2s',
    ]);
    const started = await proxy.line((l) => l.msg === 'proxy started' && l.concurrency === 2, 'the primary started');
    ports = started.ports as typeof ports;
    await waitFor(async () => (await call(ports.readiness, '/healthz/ready').catch(() => ({ status: 0 }))).status === 200, 15_000, 'readiness 200', 50)
      .catch((err: Error) => { throw new Error(`${err.message}; log:\n${proxy.dump()}`); });
  });

  after(async () => {
    if (proxy && proxy.child.exitCode === null && proxy.child.signalCode === null) proxy.child.kill('SIGKILL');
    for (const w of proxy?.forked() ?? []) if (alive(w.pid)) process.kill(w.pid, 'SIGKILL');
    await controller?.stop();
    upstream?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('serves requests on both workers, and the primary\'s scrape sums them', async (t) => {
    const before = await scrape();
    const spread = await perWorker();
    const K = 40;
    for (let i = 0; i < K; i++) {
      const r = await viaProxy(proxyPort, `/req-${i}`);
      assert.equal(r.status, 200, r.body);
      assert.equal(r.body, `hello from upstream /req-${i}`);
    }
    const afterScrape = await scrape();
    const spreadAfter = await perWorker();
    const d0 = spreadAfter.w0 - spread.w0;
    const d1 = spreadAfter.w1 - spread.w1;
    t.diagnostic(`connections per worker: slot 0 ${d0}, slot 1 ${d1}`);
    assert.ok(d0 >= 1 && d1 >= 1, `both workers accepted connections (slot 0: ${d0}, slot 1: ${d1})`);
    assert.equal(d0 + d1, spreadAfter.total - spread.total, 'the per-worker series add up to the listener total');
    assert.equal(spreadAfter.total - spread.total, K);

    const outbound = (l: Record<string, string>): boolean => l.reporter === 'source' && l.response_code === '200';
    const requests = sum(afterScrape.get('istio_requests_total'), outbound) - sum(before.get('istio_requests_total'), outbound);
    assert.equal(requests, K, 'istio_requests_total counts the requests of both workers');
    const count = (f: Map<string, ParsedFamily>): number => sum(f.get('istio_request_duration_milliseconds'), (l, name) => name.endsWith('_count') && outbound(l));
    const inf = (f: Map<string, ParsedFamily>): number => sum(f.get('istio_request_duration_milliseconds'), (l, name) => name.endsWith('_bucket') && l.le === '+Inf' && outbound(l));
    assert.equal(count(afterScrape) - count(before), K, 'histogram counts add up');
    assert.equal(inf(afterScrape) - inf(before), K, 'histogram buckets add up');
    const upstreamRq = (f: Map<string, ParsedFamily>): number => sum(f.get('envoy_cluster_upstream_rq_total'), (l) => l.cluster_name === CLUSTER);
    assert.equal(upstreamRq(afterScrape) - upstreamRq(before), K);
    // Facts of the whole proxy are stated once, not summed.
    assert.equal(sum(afterScrape.get('envoy_server_concurrency')), 2);
    assert.equal(sum(afterScrape.get('envoy_server_live')), 1);

    const text = await call(ports.admin, `/stats?filter=${encodeURIComponent('istio_requests_total')}`);
    assert.equal(text.status, 200);
    assert.match(text.body, /reporter\.=source;\.;.*istio_requests_total: \d+/);
  });

  it('answers /config_dump, /clusters, /server_info and /ready from the primary', async () => {
    const dump = await call(ports.admin, '/config_dump');
    assert.equal(dump.status, 200);
    const configs = (JSON.parse(dump.body) as { configs: Record<string, unknown>[] }).configs;
    const text = JSON.stringify(configs);
    assert.ok(text.includes(`127.0.0.1_${proxyPort}`), 'the HTTP proxy listener is in the dump');
    assert.ok(text.includes(CLUSTER), 'the echo cluster is in the dump');
    assert.ok(configs.some((c) => String(c['@type']).endsWith('BootstrapConfigDump')), 'bootstrap with the node');

    const clusters = await call(ports.admin, '/clusters');
    assert.equal(clusters.status, 200);
    const total = /^outbound\|8080\|\|echo\.default\.svc\.cluster\.local::127\.0\.0\.1:\d+::rq_total::(\d+)$/m.exec(clusters.body);
    assert.ok(total, clusters.body);
    assert.ok(Number(total[1]) >= 40, `per-host rq_total sums the workers: ${total[1]}`);

    const info = JSON.parse((await call(ports.admin, '/server_info')).body) as { state: string; command_line_options: { concurrency: number } };
    assert.equal(info.command_line_options.concurrency, 2);
    assert.equal(info.state, 'LIVE');
    const ready = await call(ports.admin, '/ready');
    assert.deepEqual([ready.status, ready.body], [200, 'LIVE\n']);
  });

  it('changes the log level of every worker through /logging', async () => {
    const set = await call(ports.admin, '/logging?level=debug', 'POST');
    assert.equal(set.status, 200);
    assert.match(set.body, /plexus: debug/);
    const changed = (worker: number, level: string) => (l: LogLine): boolean => l.msg === 'log level changed by the primary' && l.worker === worker && l.to === level;
    await proxy.line(changed(0, 'debug'), 'slot 0 at debug');
    await proxy.line(changed(1, 'debug'), 'slot 1 at debug');
    assert.equal((await call(ports.admin, '/logging?level=info', 'POST')).status, 200);
    await proxy.line(changed(0, 'info'), 'slot 0 back at info');
    await proxy.line(changed(1, 'info'), 'slot 1 back at info');
  });

  it('applies a pushed VirtualService in both workers', async (t) => {
    await apply(virtualService('echo', 'default', ['echo'], [{
      route: [{ destination: { host: 'echo' }, headers: { response: { set: { 'x-plexus-config': 'v2' } } } }],
    }]));
    // The primary sends the new snapshot to both workers at once; let it land everywhere.
    let streak = 0;
    await waitFor(async () => {
      const r = await viaProxy(proxyPort);
      streak = r.headers['x-plexus-config'] === 'v2' ? streak + 1 : 0;
      return streak >= 6;
    }, 15_000, 'the pushed route in effect', 20);
    const spread = await perWorker();
    const N = 20;
    for (let i = 0; i < N; i++) {
      const r = await viaProxy(proxyPort);
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-plexus-config'], 'v2', `request ${i} was routed with the pushed config`);
    }
    const after = await perWorker();
    t.diagnostic(`after the push: slot 0 served ${after.w0 - spread.w0}, slot 1 ${after.w1 - spread.w1} of ${N}`);
    assert.ok(after.w0 - spread.w0 >= 1 && after.w1 - spread.w1 >= 1, 'both workers served the pushed config');
  });

  it('replaces a worker killed with SIGKILL; readiness fails meanwhile and requests keep succeeding', async (t) => {
    const victim = proxy.forked().find((w) => w.slot === 0)!;
    const survivor = proxy.forked().find((w) => w.slot === 1)!;
    let ok = 0;
    const failures: string[] = [];
    const readiness: number[] = [];
    let requestsBefore = 0;
    let killedAt = 0;
    let okAtKill = 0;
    let loading = true;
    const load = (async () => {
      while (loading) {
        const started = Date.now();
        const when = (): string => `started ${started - killedAt} ms after the kill, ended ${Date.now() - killedAt} ms after`;
        try {
          const r = await viaProxy(proxyPort, '/load', 2_000);
          if (r.status === 200) ok++;
          else failures.push(`HTTP ${r.status} (${when()})`);
        } catch (err) {
          failures.push(`${(err as Error).message} (${when()})`);
        }
      }
    })();
    const probe = (async () => {
      while (loading) {
        readiness.push((await call(ports.readiness, '/healthz/ready').catch(() => ({ status: 0 }))).status);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    try {
      await waitFor(() => ok >= 5, 5_000, 'load running');
      requestsBefore = sum((await scrape()).get('istio_requests_total'));
      killedAt = Date.now();
      okAtKill = ok;
      process.kill(victim.pid, 'SIGKILL');
      const replaced = await proxy.line((l) => l.msg === 'proxy worker forked' && l.slot === 0 && l.pid !== victim.pid, 'a replacement worker');
      await proxy.line((l) => l.msg === 'proxy worker ready' && l.pid === replaced.pid, 'the replacement ready');
      await waitFor(async () => (await call(ports.readiness, '/healthz/ready')).status === 200, 10_000, 'readiness back to 200', 50);
      const okAtReady = ok;
      await waitFor(() => ok >= okAtReady + 10, 10_000, 'more requests after the replacement');
      const crashLog = proxy.logs.find((l) => l.msg === 'proxy worker exited unexpectedly: forking a new one' && l.slot === 0);
      assert.ok(crashLog && crashLog.signal === 'SIGKILL', 'the primary saw the kill');
      assert.ok(alive(survivor.pid), 'the other worker kept running');
    } finally {
      loading = false;
      await Promise.all([load, probe]);
    }
    t.diagnostic(`requests from the kill until after the replacement: ${ok - okAtKill} ok, ${failures.length} failed (${failures.join('; ')})`);
    t.diagnostic(`readiness codes seen: ${[...new Set(readiness)].join(', ')}`);
    // Only connections the killed worker held can fail: the request in flight on it (reset), or
    // one node:cluster's primary accepted and was handing to it as it died (that one hangs until
    // the client gives up: the primary keeps the handle and never resets it). Requests are
    // sequential, so that is one, at most two if the primary notices the death late.
    assert.ok(failures.length <= 2, `failures: ${failures.join('; ')}`);
    assert.ok(readiness.includes(503), `readiness reported the missing worker (saw ${[...new Set(readiness)].join(', ')})`);
    assert.equal(readiness.at(-1), 200);
    const spread = await perWorker();
    for (let i = 0; i < 10; i++) assert.equal((await viaProxy(proxyPort)).status, 200);
    const after = await perWorker();
    assert.ok(after.w0 > spread.w0 && after.w1 > spread.w1, 'the replacement in slot 0 takes connections');
    // The killed worker's requests up to the last scrape stay counted (what it served between
    // that scrape and its death is lost), so the total never goes down.
    const requestsAfter = sum((await scrape()).get('istio_requests_total'));
    t.diagnostic(`istio_requests_total: ${requestsBefore} at the last scrape before the kill, ${requestsAfter} after ${ok - okAtKill} + 10 more requests`);
    assert.ok(requestsAfter >= requestsBefore, `the total does not go down (${requestsBefore} → ${requestsAfter})`);
  });

  it('POST /drain_listeners stops every worker accepting', async () => {
    assert.equal((await viaProxy(proxyPort)).status, 200);
    const drained = await call(ports.admin, '/drain_listeners', 'POST');
    assert.deepEqual([drained.status, drained.body], [200, 'OK\n']);
    // The shared socket closes once no worker listens on it any more.
    await waitFor(async () => {
      try {
        await viaProxy(proxyPort, '/after-drain', 2_000);
        return false;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'ECONNREFUSED';
      }
    }, 10_000, 'connections refused after /drain_listeners', 50);
    const stopped = new Set(proxy.logs.filter((l) => l.msg === 'listener stopped accepting').map((l) => l.worker));
    assert.deepEqual([...stopped].sort(), [0, 1], 'both workers stopped accepting');
  });

  it('SIGTERM drains every worker, exits 0 and leaves no process behind', async () => {
    const pids = proxy.forked().map((w) => w.pid);
    const exited = new Promise<number | null>((r) => proxy.child.once('exit', (code) => r(code)));
    proxy.child.kill('SIGTERM');
    assert.equal(await exited, 0, proxy.dump());
    assert.deepEqual(pids.filter(alive), [], 'no worker left running');
    const stopped = proxy.logs.filter((l) => l.msg === 'proxy stopped');
    // Two live workers and the primary each report a clean stop.
    assert.equal(stopped.filter((l) => l.worker !== undefined && l.clean === true).length, 2, proxy.dump());
    assert.ok(stopped.some((l) => l.worker === undefined && l.clean === true));
  });
});
