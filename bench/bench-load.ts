/** The load generators: h2load at a fixed rate (latency percentiles) and wrk closed-loop (max rps). */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { round } from './bench-proc-sampler.js';

/** Latency and throughput of one fixed-rate run. */
export interface FixedRateResult {
  readonly p50_ms: number;
  readonly p90_ms: number;
  readonly p99_ms: number;
  readonly rps: number;
  readonly requests: number;
  readonly errors: number;
}

function run(command: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    p.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    p.once('error', reject);
    p.once('exit', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * `h2load --h1 -c <connections> --rps=<rate/connections> -D <seconds>` with a per-request log:
 * percentiles come from every logged request after the warm-up, not from h2load's summary.
 * `host` sets the authority through `:authority` (a `-H 'Host: …'` would go out beside
 * h2load's own Host header, and a proxy routing by it sees two).
 */
export async function fixedRate(url: string, opts: { rate: number; connections: number; seconds: number; warmupSeconds: number; workDir: string; tag: string; host?: string }): Promise<FixedRateResult> {
  const log = join(opts.workDir, `h2load-${opts.tag}.log`);
  rmSync(log, { force: true });
  const perClient = opts.rate / opts.connections;
  const { code, out } = await run('h2load', ['--h1', '-c', String(opts.connections), `--rps=${perClient}`, '-D', String(opts.seconds), `--warm-up-time=${opts.warmupSeconds}`, `--log-file=${log}`, ...(opts.host ? ['-H', `:authority: ${opts.host}`] : []), url]);
  if (code !== 0) throw new Error(`h2load failed (${code}):\n${out}`);
  const rows = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split('\t').map(Number));
  const ok = rows.filter((r) => r[1] >= 200 && r[1] < 400);
  const durations = ok.map((r) => r[2] / 1000).sort((a, b) => a - b);
  const first = Math.min(...rows.map((r) => r[0]));
  const last = Math.max(...rows.map((r) => r[0]));
  const spanS = Math.max(1e-3, (last - first) / 1e6);
  return {
    p50_ms: round(percentile(durations, 50), 3),
    p90_ms: round(percentile(durations, 90), 3),
    p99_ms: round(percentile(durations, 99), 3),
    rps: round(ok.length / spanS, 1),
    requests: rows.length,
    errors: rows.length - ok.length,
  };
}

/** `wrk -c <connections> -t <threads> -d <seconds>s [-H 'Host: <host>']`: requests per second, closed loop. */
export async function maxRate(url: string, opts: { connections: number; threads: number; seconds: number; host?: string }): Promise<number> {
  const { code, out } = await run('wrk', ['-c', String(opts.connections), '-t', String(opts.threads), '-d', `${opts.seconds}s`, ...(opts.host ? ['-H', `Host: ${opts.host}`] : []), url]);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (code !== 0 || !m) throw new Error(`wrk failed (${code}):\n${out}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (non2xx) process.stderr.write(`warning: ${non2xx[1]} non-2xx responses during wrk on ${url}\n`);
  return round(Number(m[1]), 1);
}
