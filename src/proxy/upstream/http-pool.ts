import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { Client, type Dispatcher } from 'undici';
import { H2SessionPool } from './h2-session-pool.js';
import { UndiciExchangeHandler } from './undici-exchange-handler.js';
import type { UpstreamError } from './upstream-error.js';
import type { UpstreamExchange } from './upstream-exchange.js';

/** How one host's HTTP connections are pooled. */
export interface HttpPoolOptions {
  /** `http://host:port` or `https://...`; only used for `:scheme` and `:authority` defaults. */
  readonly origin: string;
  /** Speak HTTP/2: one multiplexed session (more only past the stream limit), not a pool. */
  readonly h2: boolean;
  /** Connections allowed to this host at once (HTTP/1.1 connections, or HTTP/2 sessions). */
  readonly maxConnections: number;
  readonly maxConcurrentStreams: number;
  readonly idleTimeoutMs: number;
  readonly maxRequestsPerConnection?: number;
  /** Opens one connection (plain or TLS); errors are already UpstreamErrors. */
  readonly connect: (callback: (err: UpstreamError | null, socket?: Socket) => void) => void;
}

/** One request as a pool sends it: headers already filtered into a flat name/value list. */
export interface PooledRequest {
  readonly method: string;
  readonly path: string;
  /** `[name, value, ...]`, hop-by-hop headers dropped, the authority as `host`. */
  readonly headers: string[];
  readonly body: Readable | null;
}

/** One HTTP/1.1 connection slot: an undici Client (it reconnects lazily after an idle close). */
interface Slot {
  readonly client: Client;
  inflight: number;
}

/**
 * Pooled connections to one host for one protocol and transport (Envoy keys pools the same way).
 * HTTP/1.1 (undici): up to `maxConnections` keep-alive connections, one request at a time each
 * (no pipelining, as Envoy); a request goes to an idle connection, else a new one, else queues
 * on the least busy. Idle counts are tracked here rather than by undici's Pool, which only
 * re-offers a connection an event-loop turn after its response ends. HTTP/2 (node:http2, see
 * {@link H2SessionPool}): one session multiplexing up to `maxConcurrentStreams` streams, more
 * sessions only past that. The protocol is decided by the cluster (prior knowledge for h2c, and
 * for ALPN names like `istio` that do not say h2), not by ALPN alone.
 */
export class HttpPool {
  private readonly slots: Slot[] = [];
  private readonly factory: (() => Client) | undefined;
  private readonly h2: H2SessionPool | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    /** The pool's identity on its host (protocol + TLS settings). */
    readonly key: string,
    private readonly opts: HttpPoolOptions,
  ) {
    if (opts.h2) {
      this.h2 = new H2SessionPool(opts);
      return;
    }
    const connector = (_o: unknown, cb: (...args: [null, Socket] | [Error, null]) => void): void => {
      opts.connect((err, socket) => {
        if (err !== null || socket === undefined) {
          cb(err ?? new Error('no socket'), null);
          return;
        }
        // undici picks its codec from `alpnProtocol`; an ALPN of `istio` (or none) must still mean HTTP/1.1.
        (socket as Socket & { alpnProtocol?: string | false }).alpnProtocol = 'http/1.1';
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
      pipelining: 1,
    };
    this.factory = () => new Client(opts.origin, options);
  }

  /** Send `request` for `exchange` on one of the host's connections; it frees its slot when it ends. */
  dispatch(request: PooledRequest, exchange: UpstreamExchange): void {
    if (this.h2 !== undefined) {
      this.h2.dispatch(request, exchange);
      return;
    }
    const slot = this.choose(this.factory!);
    slot.inflight++;
    exchange.release = () => slot.inflight--;
    slot.client.dispatch(request as Dispatcher.DispatchOptions, new UndiciExchangeHandler(exchange));
  }

  private choose(factory: () => Client): Slot {
    const slots = this.slots;
    let least: Slot | undefined;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s.inflight < 1) return s;
      if (least === undefined || s.inflight < least.inflight) least = s;
    }
    if (least === undefined || slots.length < this.opts.maxConnections) {
      const slot: Slot = { client: factory(), inflight: 0 };
      slots.push(slot);
      return slot;
    }
    // Every connection is busy and no more are allowed: queue (the request is pending).
    return least;
  }

  /** Stop taking new requests; in-flight and queued ones finish, then the connections close. */
  drain(): Promise<void> {
    if (this.h2 !== undefined) return this.h2.drain();
    return (this.closing ??= Promise.all(this.slots.map((s) => s.client.close().catch(() => undefined))).then(() => undefined));
  }

  /** Close now, failing whatever is in flight. */
  destroy(): Promise<void> {
    if (this.h2 !== undefined) return this.h2.destroy();
    return Promise.all(this.slots.map((s) => s.client.destroy().catch(() => undefined))).then(() => undefined);
  }
}
