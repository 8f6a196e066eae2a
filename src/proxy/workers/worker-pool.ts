import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { isWorkerMessage, type PrimaryMessage, type WorkerOp, type WorkerOps } from './worker-messages.js';

/** The environment variable that tells a forked worker its slot (0..N-1). */
export const WORKER_SLOT_ENV = 'PLEXUS_PROXY_WORKER_SLOT';

/** When and how often a worker that exited on its own is forked again. */
export interface RestartPolicy {
  /** Delay before the first re-fork (default 250 ms); it doubles with each exit inside `windowMs`. */
  readonly initialBackoffMs?: number;
  /** Longest delay (default 5 s). */
  readonly maxBackoffMs?: number;
  /** More unexpected exits of one slot than this within `windowMs` is a crash loop (default 5). */
  readonly maxRestarts?: number;
  /** Default 60 s. */
  readonly windowMs?: number;
}

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  readonly size: number;
  readonly logger: Logger;
  readonly restart?: RestartPolicy;
  /** How long a request waits for a worker's answer (default 2 s). */
  readonly requestTimeoutMs?: number;
}

/** One worker's answer to a request sent to all of them. */
export interface WorkerAnswer<O extends WorkerOp> {
  readonly slot: number;
  readonly workerId: number;
  readonly value: WorkerOps[O];
}

/** A worker as `status()` reports it. */
export interface WorkerStatus {
  readonly slot: number;
  /** node:cluster's id and the pid of the worker in the slot; absent while it is being re-forked. */
  readonly workerId?: number;
  readonly pid?: number;
  readonly ready: boolean;
  /** Unexpected exits of this slot so far. */
  readonly restarts: number;
}

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  ready: boolean;
  timer: NodeJS.Timeout | undefined;
  /** Times of recent unexpected exits, for the backoff and the crash-loop cap. */
  exits: number[];
  restarts: number;
}

interface Pending {
  readonly workerId: number;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

type PoolEvents = {
  /** A worker listens for messages and wants its configuration. */
  hello: [slot: number];
  /** A worker serves its first configuration with listeners. */
  ready: [slot: number];
  /** A worker process is gone (expected or not). */
  exit: [workerId: number, slot: number];
  /** A slot exited too often: the pool stopped re-forking it. */
  'crash-loop': [slot: number];
};

/**
 * The node:cluster workers of `plexus proxy --concurrency N`, one per slot. A worker that exits
 * while the pool is not stopping is forked again after a backoff (250 ms doubling to 5 s); a
 * slot that exits more than 5 times in a minute is left empty and `crash-loop` is emitted, so
 * the owner can stop the whole proxy rather than spin.
 */
export class WorkerPool extends EventEmitter<PoolEvents> {
  private readonly slots: Slot[];
  private readonly pending = new Map<number, Pending>();
  private readonly log: Logger;
  private nextId = 0;
  private stopping = false;
  private started = false;

  constructor(private readonly opts: WorkerPoolOptions) {
    super();
    this.log = opts.logger;
    this.slots = Array.from({ length: opts.size }, (_, index) => ({ index, worker: undefined, ready: false, timer: undefined, exits: [], restarts: 0 }));
  }

  /** Forks every worker. The structured-clone channel keeps the snapshot's Maps intact. */
  start(): void {
    if (this.started) return;
    this.started = true;
    cluster.setupPrimary({ serialization: 'advanced' });
    for (const s of this.slots) this.fork(s);
  }

  /** True when every slot has a worker that serves its configuration. */
  allReady(): boolean {
    return this.slots.every((s) => s.ready && s.worker !== undefined);
  }

  status(): WorkerStatus[] {
    return this.slots.map((s) => ({
      slot: s.index,
      ...(s.worker ? { workerId: s.worker.id, ...(s.worker.process.pid !== undefined ? { pid: s.worker.process.pid } : {}) } : {}),
      ready: s.ready,
      restarts: s.restarts,
    }));
  }

  /** Sends to the worker in `slot`, if it is connected. */
  send(slot: number, message: PrimaryMessage): void {
    const w = this.slots[slot]?.worker;
    if (w) this.sendTo(w, message);
  }

  /** Sends to every connected worker. */
  broadcast(message: PrimaryMessage): void {
    for (const s of this.slots) if (s.worker) this.sendTo(s.worker, message);
  }

  /** Asks one worker; rejects when it does not answer in time or exits first. */
  ask<O extends WorkerOp>(slot: number, op: O, timeoutMs = this.opts.requestTimeoutMs ?? 2_000): Promise<WorkerOps[O]> {
    const w = this.slots[slot]?.worker;
    if (!w || !w.isConnected()) return Promise.reject(new Error(`no worker in slot ${slot}`));
    const id = ++this.nextId;
    return new Promise<WorkerOps[O]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`worker ${w.id} did not answer ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        workerId: w.id,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as WorkerOps[O]);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.sendTo(w, { kind: 'request', id, op });
    });
  }

  /** Asks every connected worker; those that fail or time out are left out (and logged). */
  async askAll<O extends WorkerOp>(op: O, timeoutMs?: number): Promise<WorkerAnswer<O>[]> {
    const asked = this.slots.filter((s) => s.worker?.isConnected()).map((s) => ({ slot: s.index, workerId: s.worker!.id }));
    const answers = await Promise.all(asked.map(async (a) => {
      try {
        return { ...a, value: await this.ask(a.slot, op, timeoutMs) };
      } catch (err) {
        this.log.warn({ slot: a.slot, worker: a.workerId, op, err: (err as Error).message }, 'worker did not answer');
        return undefined;
      }
    }));
    return answers.filter((a): a is WorkerAnswer<O> => a !== undefined);
  }

  /**
   * Stops every worker: SIGTERM (each drains as a single proxy would), then SIGKILL for those
   * still running after `timeoutMs`. Resolves true when every worker exited with status 0.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    this.stopping = true;
    for (const s of this.slots) {
      clearTimeout(s.timer);
      s.timer = undefined;
    }
    const running = this.slots.map((s) => s.worker).filter((w): w is Worker => w !== undefined && !w.isDead());
    const exits = running.map((w) => new Promise<boolean>((resolve) => w.once('exit', (code: number | null, signal: string | null) => resolve(code === 0 && !signal))));
    for (const w of running) w.process.kill('SIGTERM');
    const killer = setTimeout(() => {
      for (const w of running) {
        if (!w.isDead()) {
          this.log.warn({ worker: w.id, pid: w.process.pid }, 'worker still running after the drain timeout: killing it');
          w.process.kill('SIGKILL');
        }
      }
    }, timeoutMs);
    const clean = await Promise.all(exits);
    clearTimeout(killer);
    return clean.every(Boolean);
  }

  private fork(slot: Slot): void {
    slot.timer = undefined;
    if (this.stopping) return;
    const w = cluster.fork({ [WORKER_SLOT_ENV]: String(slot.index) });
    slot.worker = w;
    slot.ready = false;
    this.log.info({ slot: slot.index, worker: w.id, pid: w.process.pid }, 'proxy worker forked');
    w.on('message', (m: unknown) => {
      if (!isWorkerMessage(m)) return;
      if (m.kind === 'hello') this.emit('hello', slot.index);
      else if (m.kind === 'ready') {
        if (slot.worker === w) slot.ready = true;
        this.log.info({ slot: slot.index, worker: w.id, pid: w.process.pid }, 'proxy worker ready');
        this.emit('ready', slot.index);
      } else {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.value);
        else p.reject(new Error(m.error));
      }
    });
    // IPC failures (a send racing the worker's death) arrive here; the exit handler does the rest.
    w.on('error', (err: Error) => this.log.debug({ worker: w.id, err: err.message }, 'worker channel error'));
    w.once('exit', (code: number | null, signal: string | null) => this.exited(slot, w, code, signal));
  }

  private exited(slot: Slot, w: Worker, code: number | null, signal: string | null): void {
    if (slot.worker === w) {
      slot.worker = undefined;
      slot.ready = false;
    }
    for (const [id, p] of this.pending) {
      if (p.workerId !== w.id) continue;
      this.pending.delete(id);
      p.reject(new Error(`worker ${w.id} exited`));
    }
    this.emit('exit', w.id, slot.index);
    if (this.stopping) return;
    const now = Date.now();
    const policy = this.opts.restart ?? {};
    const windowMs = policy.windowMs ?? 60_000;
    slot.exits = slot.exits.filter((t) => now - t < windowMs);
    slot.exits.push(now);
    slot.restarts++;
    if (slot.exits.length > (policy.maxRestarts ?? 5)) {
      this.log.error({ slot: slot.index, worker: w.id, pid: w.process.pid, code, signal, exits: slot.exits.length, windowMs }, 'proxy worker is crash-looping: not forking it again');
      this.emit('crash-loop', slot.index);
      return;
    }
    const delayMs = Math.min((policy.initialBackoffMs ?? 250) * 2 ** (slot.exits.length - 1), policy.maxBackoffMs ?? 5_000);
    this.log.error({ slot: slot.index, worker: w.id, pid: w.process.pid, code, signal, delayMs }, 'proxy worker exited unexpectedly: forking a new one');
    slot.timer = setTimeout(() => this.fork(slot), delayMs);
  }

  private sendTo(w: Worker, message: PrimaryMessage): void {
    if (!w.isConnected()) return;
    w.send(message, undefined, (err: Error | null) => {
      if (err) this.log.debug({ worker: w.id, kind: message.kind, err: err.message }, 'message to worker not delivered');
    });
  }
}
