import type { Socket } from 'node:net';
import { Client, type Dispatcher } from 'undici';
import type { UpstreamError } from './upstream-error.js';
import type { UpstreamExchange } from './upstream-exchange.js';

/** How one host's HTTP connections are pooled. */
export interface HttpPoolOptions {
  /** `http://host:port` or `https://...`; only used for `:scheme` and `:authority` defaults. */
  readonly origin: string;
  /** Speak HTTP/2: one multiplexed session (more only past the stream limit), not a pool. */
  readonly h2: boolean;
  /** HTTP/1.1 connections allowed to this host at once. */
  readonly maxConnections: number;
  readonly maxConcurrentStreams: number;
  readonly idleTimeoutMs: number;
  readonly maxRequestsPerConnection?: number;
  /** Opens one connection (plain or TLS); errors are already UpstreamErrors. */
  readonly connect: (callback: (err: UpstreamError | null, socket?: Socket) => void) => void;
}

/** One connection slot: an undici Client (it reconnects lazily after an idle close). */
interface Slot {
  readonly client: Client;
  inflight: number;
}

/**
 * Pooled connections to one host for one protocol and transport (Envoy keys pools the same way).
 * HTTP/1.1: up to `maxConnections` keep-alive connections, one request at a time each (no
 * pipelining, as Envoy); a request goes to an idle connection, else a new one, else queues on
 * the least busy. HTTP/2: one session multiplexing up to `maxConcurrentStreams` streams. The
 * protocol is decided by the cluster (prior knowledge for h2c, and for ALPN names like `istio`
 * that do not say h2), not by ALPN alone. Idle counts are tracked here rather than by undici's
 * Pool, which only re-offers a connection an event-loop turn after its response ends.
 */
export class HttpPool {
  private readonly slots: Slot[] = [];
  private readonly factory: () => Client;
  private closing: Promise<void> | undefined;

  constructor(
    /** The pool's identity on its host (protocol + TLS settings). */
    readonly key: string,
    private readonly opts: HttpPoolOptions,
  ) {
    const h2 = opts.h2;
    const connector = (_o: unknown, cb: (...args: [null, Socket] | [Error, null]) => void): void => {
      opts.connect((err, socket) => {
        if (err !== null || socket === undefined) {
          cb(err ?? new Error('no socket'), null);
          return;
        }
        // undici picks its codec from `alpnProtocol`; set it from the cluster's protocol choice.
        (socket as Socket & { alpnProtocol?: string | false }).alpnProtocol = h2 ? 'h2' : 'http/1.1';
        cb(null, socket);
      });
    };
    const options: Client.Options = {
      connect: connector as unknown as Client.Options['connect'],
      keepAliveTimeout: opts.idleTimeoutMs,
      keepAliveMaxTimeout: opts.idleTimeoutMs,
      headersTimeout: 0,
      bodyTimeout: 0,
      strictContentLength: false,
      maxRequestsPerClient: opts.maxRequestsPerConnection,
      ...(h2 ? { allowH2: true, pipelining: opts.maxConcurrentStreams, maxConcurrentStreams: opts.maxConcurrentStreams } : { pipelining: 1 }),
    };
    this.factory = () => new Client(opts.origin, options);
  }

  /** Hand `exchange` to a connection; it frees the slot when it ends. */
  dispatch(options: Dispatcher.DispatchOptions, exchange: UpstreamExchange): void {
    const slot = this.choose();
    slot.inflight++;
    exchange.release = () => slot.inflight--;
    slot.client.dispatch(options, exchange);
  }

  private choose(): Slot {
    const slots = this.slots;
    const perSlot = this.opts.h2 ? this.opts.maxConcurrentStreams : 1;
    let least: Slot | undefined;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s.inflight < perSlot) return s;
      if (least === undefined || s.inflight < least.inflight) least = s;
    }
    const max = this.opts.h2 ? Math.max(1, this.opts.maxConnections) : this.opts.maxConnections;
    if (least === undefined || slots.length < max) {
      const slot: Slot = { client: this.factory(), inflight: 0 };
      slots.push(slot);
      return slot;
    }
    // Every connection is busy and no more are allowed: queue (the request is pending).
    return least;
  }

  /** Stop taking new requests; in-flight and queued ones finish, then the connections close. */
  drain(): Promise<void> {
    return (this.closing ??= Promise.all(this.slots.map((s) => s.client.close().catch(() => undefined))).then(() => undefined));
  }

  /** Close now, failing whatever is in flight. */
  destroy(): Promise<void> {
    return Promise.all(this.slots.map((s) => s.client.destroy().catch(() => undefined))).then(() => undefined);
  }
}
