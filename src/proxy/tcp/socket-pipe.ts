import type { Duplex } from 'node:stream';

/** Totals for one proxied connection, for stats and access logs. */
export interface PipeResult {
  /** Bytes read from downstream and written upstream. */
  readonly bytesSent: number;
  /** Bytes read from upstream and written downstream. */
  readonly bytesReceived: number;
  /** Why it ended: both sides finished, a side reset or failed, idle timeout, or an explicit abort. */
  readonly reason: 'closed' | 'downstream_reset' | 'upstream_reset' | 'idle_timeout' | 'aborted';
}

/** Options of one pipe. */
export interface PipeOptions {
  /** Close both sides after this long without bytes in either direction; 0 or absent disables it. */
  readonly idleTimeoutMs?: number;
  /** Called for every chunk, so stats can move while a long connection is still open. */
  readonly onBytes?: (direction: 'sent' | 'received', n: number) => void;
  /** Aborts the pipe (destroys both sides), e.g. when a drain deadline passes. */
  readonly signal?: AbortSignal;
}

/**
 * Pipes two sockets both ways with backpressure (`pipe` pauses a fast reader while the other side's
 * buffer is full) and TCP half-close: a FIN from one side becomes a FIN to the other (`end`), and
 * the opposite direction keeps flowing until it finishes too. Both sockets must allow half-open.
 * An error or reset on either side resets the other, as Envoy's tcp_proxy does.
 */
export function pipeSockets(downstream: Duplex, upstream: Duplex, opts: PipeOptions = {}): Promise<PipeResult> {
  return new Promise((resolve) => {
    let bytesSent = 0;
    let bytesReceived = 0;
    let lastActivity = Date.now();
    let done = false;
    let idleTimer: NodeJS.Timeout | undefined;
    let downClosed = false;
    let upClosed = false;

    const finish = (reason: PipeResult['reason']): void => {
      if (done) return;
      done = true;
      if (idleTimer) clearTimeout(idleTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (reason !== 'closed') {
        downstream.destroy();
        upstream.destroy();
      }
      resolve({ bytesSent, bytesReceived, reason });
    };

    const onDownData = (chunk: Buffer): void => {
      bytesSent += chunk.length;
      lastActivity = Date.now();
      opts.onBytes?.('sent', chunk.length);
    };
    const onUpData = (chunk: Buffer): void => {
      bytesReceived += chunk.length;
      lastActivity = Date.now();
      opts.onBytes?.('received', chunk.length);
    };
    downstream.on('data', onDownData);
    upstream.on('data', onUpData);
    downstream.pipe(upstream, { end: true });
    upstream.pipe(downstream, { end: true });

    // Errors are reported through 'close' with the error already recorded; an error listener keeps them from throwing.
    const onDownError = (): void => finish('downstream_reset');
    const onUpError = (): void => finish('upstream_reset');
    downstream.on('error', onDownError);
    upstream.on('error', onUpError);
    // A side that closes before its read half ended went away abruptly; once a side is fully
    // closed, the other must have finished reading too, or its output has nowhere to go.
    downstream.once('close', () => {
      downClosed = true;
      if (!downstream.readableEnded) finish('downstream_reset');
      else if (upClosed) finish('closed');
      else if (!upstream.readableEnded) finish('downstream_reset');
    });
    upstream.once('close', () => {
      upClosed = true;
      if (!upstream.readableEnded) finish('upstream_reset');
      else if (downClosed) finish('closed');
      else if (!downstream.readableEnded) finish('upstream_reset');
    });

    const onAbort = (): void => finish('aborted');
    if (opts.signal) {
      if (opts.signal.aborted) onAbort();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }

    const idle = opts.idleTimeoutMs ?? 0;
    if (idle > 0) {
      // One timer per connection, re-armed lazily instead of on every chunk.
      const check = (): void => {
        const quiet = Date.now() - lastActivity;
        if (quiet >= idle) finish('idle_timeout');
        else idleTimer = setTimeout(check, idle - quiet);
      };
      idleTimer = setTimeout(check, idle);
    }
  });
}
