// `npm run bench:proxy`: the data plane side by side in one run. A 1 KiB HTTP/1.1 server (its
// own process) is loaded three ways — direct, through a pair of Plexus sidecars with mTLS
// between them (configured by a real `plexus controller`, or PLEXUS_BENCH_CONFIG=static), and through a pair of HAProxies with the same mTLS — first at a fixed 1,000
// req/s over 16 keep-alive connections (h2load, percentiles from its per-request log, proxy
// CPU and RSS from /proc over that window), then closed-loop for max throughput (wrk). Prints
// a table with the targets and writes bench/results/proxy-latest.json. Never fails on time;
// a setup whose binary is missing is skipped with a message.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBenchCerts, type BenchCerts } from './bench-certs.js';
import { startHaproxyPair, type ProxyPair } from './bench-haproxy.js';
import { fixedRate, maxRate, type FixedRateResult } from './bench-load.js';
import { plexusPairStarter } from './bench-plexus.js';
import { haveBinary, startChild, waitForPort, type Child } from './bench-process.js';
import { ProcSampler, round, type ProcessUsage } from './bench-proc-sampler.js';

const RATE = Number(process.env.BENCH_RATE ?? 1000);
const CONNECTIONS = 16;
const FIXED_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP_SECONDS = 2;
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 10);
/** AuthorizationPolicy counts measured on the server side of the controller pair (BENCH_POLICIES, `""` for none). */
const POLICY_COUNTS = (process.env.BENCH_POLICIES ?? '10,100').split(',').filter((v) => v.trim() !== '').map(Number);
const SERVER_SIDE = 'plexus proxy (server side)';

/** Targets from the issue (added latency vs direct, per-sidecar resources, throughput vs HAProxy). */
const TARGET = { addedP90Ms: 1.0, addedP99Ms: 2.0, cpuVcpu: 0.25, rssMb: 80, throughputRatio: 0.35 } as const;

interface SetupResult extends Partial<FixedRateResult> {
  max_rps?: number;
  processes?: Record<string, ProcessUsage>;
  skipped?: string;
  error?: string;
  config?: string;
  verified?: string;
}

const here = fileURLToPath(new URL('.', import.meta.url));
/** Results go to the source tree's bench/results, whichever dist the script runs from. */
const resultsDir = join(here, '..', '..', 'bench', 'results');

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

async function startServer(): Promise<{ child: Child; port: number }> {
  const child = startChild('bench server', process.execPath, [join(here, 'bench-server.js')]);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench server did not start:\n${child.output()}`)), 10_000);
    child.proc.stdout?.on('data', (c: Buffer) => {
      const m = /listening (\d+)/.exec(c.toString());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  await waitForPort(port, child);
  return { child, port };
}

/** Fixed-rate window (with /proc sampling of `measured`), then a short settle, then closed loop. */
async function measure(tag: string, port: number, workDir: string, measured: readonly Child[], host?: string): Promise<SetupResult> {
  const url = `http://127.0.0.1:${port}/`;
  log(`[${tag}] warm-up`);
  await maxRate(url, { connections: CONNECTIONS, threads: 2, seconds: 2, host });
  await new Promise((r) => setTimeout(r, 500));
  log(`[${tag}] fixed ${RATE} req/s for ${FIXED_SECONDS}s`);
  const sampler = new ProcSampler(measured.map((c) => c.pid));
  sampler.begin();
  const fixed = await fixedRate(url, { rate: RATE, connections: CONNECTIONS, seconds: FIXED_SECONDS, warmupSeconds: WARMUP_SECONDS, workDir, tag, host });
  const usage = sampler.end();
  if (fixed.errors > 0) log(`[${tag}] warning: ${fixed.errors} failed requests at fixed rate`);
  await new Promise((r) => setTimeout(r, 500));
  log(`[${tag}] closed loop for ${MAX_SECONDS}s`);
  const max = await maxRate(url, { connections: CONNECTIONS, threads: 2, seconds: MAX_SECONDS, host });
  const processes: Record<string, ProcessUsage> = {};
  for (const c of measured) processes[c.name] = usage.get(c.pid)!;
  return { ...fixed, max_rps: max, ...(measured.length > 0 ? { processes } : {}) };
}

async function runPair(tag: string, start: () => Promise<ProxyPair>, workDir: string): Promise<SetupResult> {
  let pair: ProxyPair | undefined;
  try {
    pair = await start();
    if (pair.verified) log(`[${tag}] verified: ${pair.verified}`);
    return { ...(await measure(tag, pair.entryPort, workDir, pair.processes, pair.host)), ...(pair.verified ? { verified: pair.verified } : {}) };
  } catch (err) {
    log(`[${tag}] failed: ${(err as Error).message}`);
    return { error: (err as Error).message.split('\n')[0] };
  } finally {
    await pair?.stop();
  }
}

function fmt(v: number | undefined, digits = 2): string {
  return v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits);
}

/** `value (target x, +/-d)`: how far a figure is from its target; positive is over. */
function against(value: number | undefined, target: number, digits = 2): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  const d = value - target;
  return `${value.toFixed(digits)} (target <= ${target}, ${d <= 0 ? 'met' : `over by ${d.toFixed(digits)}`})`;
}

function printTable(results: Record<string, SetupResult>): void {
  const head = ['setup', 'p50_ms', 'p90_ms', 'p99_ms', 'rps', 'max_rps', 'cpu_vcpu', 'rss_mb'];
  const rows: string[][] = [head];
  for (const [name, r] of Object.entries(results)) {
    if (r.skipped || r.error) {
      rows.push([name, ...head.slice(1).map(() => '-')]);
      continue;
    }
    const procs = Object.values(r.processes ?? {});
    rows.push([
      name, fmt(r.p50_ms, 3), fmt(r.p90_ms, 3), fmt(r.p99_ms, 3), fmt(r.rps, 0), fmt(r.max_rps, 0),
      procs.length ? procs.map((p) => p.cpu_vcpu.toFixed(3)).join('/') : '-',
      procs.length ? procs.map((p) => p.rss_mb.toFixed(0)).join('/') : '-',
    ]);
  }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  process.stdout.write(`\n${rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n')}\n`);
  process.stdout.write('(cpu_vcpu and rss_mb per proxy process: client side / server side)\n\n');
  for (const [name, r] of Object.entries(results)) {
    if (r.skipped) process.stdout.write(`${name}: skipped — ${r.skipped}\n`);
    if (r.error) process.stdout.write(`${name}: failed — ${r.error}\n`);
  }
  const d = results.direct;
  for (const name of ['plexus', 'haproxy']) {
    const r = results[name];
    if (!r || r.skipped || r.error || !d || d.skipped || d.error) continue;
    process.stdout.write(`${name}: added p90 ${against((r.p90_ms ?? NaN) - (d.p90_ms ?? NaN), TARGET.addedP90Ms, 3)} ms, added p99 ${against((r.p99_ms ?? NaN) - (d.p99_ms ?? NaN), TARGET.addedP99Ms, 3)} ms\n`);
    for (const [proc, u] of Object.entries(r.processes ?? {})) {
      process.stdout.write(`  ${proc}: cpu ${against(u.cpu_vcpu, TARGET.cpuVcpu, 3)} vCPU, rss ${against(u.rss_mb, TARGET.rssMb, 1)} MB (median ${u.rss_median_mb} MB)\n`);
    }
  }
  printPolicyCost(results);
  const p = results.plexus;
  const h = results.haproxy;
  if (p?.max_rps && h?.max_rps) {
    const ratio = p.max_rps / h.max_rps;
    process.stdout.write(`throughput plexus/haproxy: ${(ratio * 100).toFixed(1)}% (target >= ${TARGET.throughputRatio * 100}%, ${ratio >= TARGET.throughputRatio ? 'met' : `short by ${((TARGET.throughputRatio - ratio) * 100).toFixed(1)} points`})\n`);
  }
}

/** Server-side CPU per request in microseconds: vCPU over the window divided by the request rate. */
function cpuPerRequestUs(r: SetupResult | undefined): number | undefined {
  const cpu = r?.processes?.[SERVER_SIDE]?.cpu_vcpu;
  return cpu !== undefined && r?.rps ? (cpu / r.rps) * 1e6 : undefined;
}

function policySetups(results: Record<string, SetupResult>): Array<[number, SetupResult]> {
  return POLICY_COUNTS.map((n) => [n, results[`plexus+${n}pol`]] as [number, SetupResult]).filter(([, r]) => r !== undefined && !r.skipped && !r.error);
}

/** What N AuthorizationPolicies add over the same pair with none: latency, server CPU per request, throughput. */
function printPolicyCost(results: Record<string, SetupResult>): void {
  const base = results.plexus;
  if (!base || base.skipped || base.error) return;
  const baseCpu = cpuPerRequestUs(base);
  for (const [n, r] of policySetups(results)) {
    const cpu = cpuPerRequestUs(r);
    process.stdout.write(`${n} policies on the server side: p50 ${fmt((r.p50_ms ?? NaN) - (base.p50_ms ?? NaN), 3)} / p90 ${fmt((r.p90_ms ?? NaN) - (base.p90_ms ?? NaN), 3)} / p99 ${fmt((r.p99_ms ?? NaN) - (base.p99_ms ?? NaN), 3)} ms vs no policy; `
      + `server sidecar CPU ${fmt(cpu, 0)} us/request (no policy ${fmt(baseCpu, 0)}, ${fmt((cpu ?? NaN) - (baseCpu ?? NaN), 0)} more); max_rps ${fmt(r.max_rps, 0)} (${fmt(((r.max_rps ?? NaN) / (base.max_rps ?? NaN)) * 100, 1)}% of no policy)\n`);
  }
}

async function main(): Promise<void> {
  const missing = ['h2load', 'wrk'].filter((b) => !haveBinary(b));
  const workDir = mkdtempSync(join(tmpdir(), 'plexus-proxy-bench-'));
  const results: Record<string, SetupResult> = {};
  let server: { child: Child; port: number } | undefined;
  try {
    if (missing.length > 0) {
      const why = `${missing.join(' and ')} not installed (Debian packages nghttp2-client, wrk)`;
      for (const s of ['direct', 'plexus', 'haproxy']) results[s] = { skipped: why };
    } else {
      let certs: BenchCerts | undefined;
      try {
        certs = makeBenchCerts(workDir);
      } catch (err) {
        log(`cannot make certificates with openssl: ${(err as Error).message}`);
      }
      server = await startServer();
      const app = server.port;
      results.direct = await measure('direct', app, workDir, []);
      const plexus = plexusPairStarter();
      results.plexus = { ...(await runPair('plexus', () => plexus.start(certs, app, workDir), workDir)), config: plexus.label };
      for (const n of plexus.policies ? POLICY_COUNTS : []) {
        results[`plexus+${n}pol`] = { ...(await runPair(`plexus+${n}pol`, () => plexus.start(certs, app, workDir, n), workDir)), config: `${plexus.label}, ${n} AuthorizationPolicies on the server side` };
      }
      results.haproxy = !haveBinary('haproxy') ? { skipped: 'haproxy not installed (Debian package haproxy)' }
        : certs ? await runPair('haproxy', () => startHaproxyPair(certs, app, workDir), workDir) : { skipped: 'openssl could not make the certificates' };
    }
  } finally {
    await server?.child.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  printTable(results);
  const pick = (r: SetupResult | undefined, withProcs: boolean): Record<string, unknown> => {
    if (!r || r.skipped || r.error) return { ...(r?.skipped ? { skipped: r.skipped } : {}), ...(r?.error ? { error: r.error } : {}) };
    const base: Record<string, unknown> = { p50_ms: r.p50_ms, p90_ms: r.p90_ms, p99_ms: r.p99_ms, rps: r.rps, max_rps: r.max_rps, requests: r.requests, errors: r.errors };
    if (withProcs) base.processes = Object.entries(r.processes ?? {}).map(([name, u]) => ({ name, ...u }));
    if (r.config) base.config = r.config;
    if (r.verified) base.verified = r.verified;
    return base;
  };
  const d = results.direct;
  const added = (r: SetupResult | undefined) => (r && d && r.p90_ms !== undefined && d.p90_ms !== undefined ? { added_p90_ms: round(r.p90_ms - d.p90_ms, 3), added_p99_ms: round((r.p99_ms ?? NaN) - (d.p99_ms ?? NaN), 3) } : {});
  const doc = {
    direct: pick(results.direct, false),
    plexus: { ...pick(results.plexus, true), ...added(results.plexus) },
    haproxy: { ...pick(results.haproxy, true), ...added(results.haproxy) },
    policies: Object.fromEntries(policySetups(results).map(([n, r]) => [String(n), { ...pick(r, true), server_cpu_us_per_request: round(cpuPerRequestUs(r) ?? NaN, 1), no_policy_server_cpu_us_per_request: round(cpuPerRequestUs(results.plexus) ?? NaN, 1), added_p90_ms_vs_no_policy: round((r.p90_ms ?? NaN) - (results.plexus?.p90_ms ?? NaN), 3) }])),
    throughput_ratio_plexus_haproxy: results.plexus?.max_rps && results.haproxy?.max_rps ? round(results.plexus.max_rps / results.haproxy.max_rps, 3) : null,
    targets: TARGET,
    load: { rate_rps: RATE, connections: CONNECTIONS, fixed_seconds: FIXED_SECONDS, max_seconds: MAX_SECONDS, response_bytes: 1024, protocol: 'HTTP/1.1 keep-alive' },
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    date: new Date().toISOString(),
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'proxy-latest.json'), `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(`\nwrote ${join(resultsDir, 'proxy-latest.json')}\n`);
}

main().catch((err: unknown) => {
  // A benchmark reports; it does not fail the build on time or on a broken setup.
  log(`proxy bench: ${(err as Error).stack ?? String(err)}`);
});
