import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { WorkerPool } from './worker-pool.js';

// A stand-in worker: POOL_TEST_MODE=crash exits at once with status 3; otherwise it greets,
// reports ready, answers every request, and exits 0 on SIGTERM.
const WORKER = `
if (process.env.POOL_TEST_MODE === 'crash') process.exit(3);
process.on('SIGTERM', () => process.exit(0));
process.on('message', (m) => {
  if (m.kind === 'request') process.send({ kind: 'reply', id: m.id, ok: true, value: m.op === 'drain-listeners' ? true : [] });
});
process.send({ kind: 'hello' });
process.send({ kind: 'ready' });
`;

const dir = mkdtempSync(join(tmpdir(), 'plexus-pool-'));
const script = join(dir, 'worker.mjs');
writeFileSync(script, WORKER);
cluster.setupPrimary({ exec: script, args: [], execArgv: [], silent: true });
after(() => rmSync(dir, { recursive: true, force: true }));

const logger = pino({ level: 'silent' });

function once<T extends unknown[]>(pool: WorkerPool, event: 'crash-loop' | 'ready' | 'exit', timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    pool.once(event, (...args: unknown[]) => {
      clearTimeout(t);
      resolve(args as T);
    });
  });
}

describe('WorkerPool', { timeout: 30_000 }, () => {
  it('re-forks an exiting worker with a growing backoff and gives up on a crash loop', async () => {
    process.env.POOL_TEST_MODE = 'crash';
    const pool = new WorkerPool({ size: 1, logger, restart: { initialBackoffMs: 20, maxBackoffMs: 200, maxRestarts: 3, windowMs: 60_000 } });
    const exits: number[] = [];
    pool.on('exit', () => exits.push(Date.now()));
    try {
      const crashLoop = once<[number]>(pool, 'crash-loop');
      pool.start();
      assert.deepEqual(await crashLoop, [0]);
      assert.equal(exits.length, 4, 'the first run and three re-forks');
      assert.equal(pool.status()[0]!.restarts, 4);
      assert.equal(pool.status()[0]!.pid, undefined, 'the slot stays empty');
      assert.equal(pool.allReady(), false);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(exits.length, 4, 'no fork after giving up');
    } finally {
      delete process.env.POOL_TEST_MODE;
      assert.equal(await pool.stop(1_000), true);
    }
  });

  it('reports ready, answers requests from every worker, and stops them with SIGTERM', async () => {
    const pool = new WorkerPool({ size: 2, logger });
    let ready = 0;
    pool.on('ready', () => ready++);
    pool.start();
    const deadline = Date.now() + 10_000;
    while (!pool.allReady() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(pool.allReady());
    assert.equal(ready, 2);
    const answers = await pool.askAll('drain-listeners');
    assert.deepEqual(answers.map((a) => [a.slot, a.value]).sort(), [[0, true], [1, true]]);
    const pids = pool.status().map((s) => s.pid!);
    assert.equal(await pool.stop(5_000), true, 'both exited 0');
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), 'the worker is gone');
  });
});
