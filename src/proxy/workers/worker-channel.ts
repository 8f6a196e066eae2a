import type { Logger } from 'pino';
import type { ProxyProcess } from '../proxy-process.js';
import { workerClusterStates } from './cluster-views.js';
import { isPrimaryMessage, type PrimaryMessage, type WorkerMessage, type WorkerOp, type WorkerOps } from './worker-messages.js';

const LEVELS: ReadonlySet<string> = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

function send(message: WorkerMessage): void {
  // A primary that is gone makes node:cluster end this worker; nothing to do here.
  process.send?.(message, undefined, undefined, () => undefined);
}

async function answer(proxy: ProxyProcess, op: WorkerOp): Promise<WorkerOps[WorkerOp]> {
  switch (op) {
    case 'metrics':
      return proxy.metrics.collect();
    case 'clusters':
      return workerClusterStates(proxy.holder.current, proxy.upstream, (c) => proxy.metrics.envoy.hostCounters(c));
    case 'drain-listeners':
      await proxy.adminSeam().drainListeners();
      return true;
  }
}

/**
 * The worker's end of the IPC of `plexus proxy --concurrency N`: applies the primary's
 * snapshots and log level (to `rootLogger`, which every logger of the worker derives from),
 * answers its requests (metrics, cluster state, drain), and reports when it is ready. Call once
 * the proxy is built and before it starts; returns an unsubscribe.
 */
export function serveWorkerChannel(proxy: ProxyProcess, rootLogger: Logger, log: Logger = rootLogger): () => void {
  const onMessage = (m: unknown): void => {
    if (!isPrimaryMessage(m)) return;
    handle(m);
  };
  const handle = (m: PrimaryMessage): void => {
    switch (m.kind) {
      case 'snapshot':
        proxy.holder.replace(m.snapshot);
        return;
      case 'log-level': {
        const previous = rootLogger.level;
        if (!LEVELS.has(m.level) || previous === m.level) return;
        rootLogger.level = m.level;
        log.info({ from: previous, to: m.level }, 'log level changed by the primary');
        return;
      }
      case 'request':
        answer(proxy, m.op).then(
          (value) => send({ kind: 'reply', id: m.id, ok: true, value }),
          (err: unknown) => send({ kind: 'reply', id: m.id, ok: false, error: (err as Error).message }),
        );
        return;
    }
  };
  process.on('message', onMessage);
  void proxy.whenReady().then(() => send({ kind: 'ready' }));
  // Only now: a snapshot sent before this listener existed would be lost.
  send({ kind: 'hello' });
  return () => {
    process.off('message', onMessage);
  };
}
