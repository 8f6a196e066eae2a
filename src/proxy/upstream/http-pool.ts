import type { Socket } from 'node:net';
import { Client, Pool, type Dispatcher } from 'undici';
import type { UpstreamError } from './upstream-error.js';

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

/**
 * Pooled connections to one host for one protocol and transport (Envoy keys pools the same way).
 * HTTP/1.1 uses an undici Pool of keep-alive connections, one request at a time each; HTTP/2 an
 * undici Client whose single session multiplexes streams. The protocol is decided by the cluster
 * (prior knowledge for h2c, and for ALPN names like `istio` that do not say h2), not by ALPN alone.
 */
export class HttpPool {
  readonly dispatcher: Dispatcher;
  private closing: Promise<void> | undefined;

  constructor(
    /** The pool's identity on its host (protocol + TLS settings). */
    readonly key: string,
    opts: HttpPoolOptions,
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
    const common = {
      connect: connector as unknown as Pool.Options['connect'],
      keepAliveTimeout: opts.idleTimeoutMs,
      keepAliveMaxTimeout: opts.idleTimeoutMs,
      headersTimeout: 0,
      bodyTimeout: 0,
      strictContentLength: false,
      maxRequestsPerClient: opts.maxRequestsPerConnection,
    };
    this.dispatcher = h2
      ? new Client(opts.origin, { ...common, allowH2: true, pipelining: opts.maxConcurrentStreams, maxConcurrentStreams: opts.maxConcurrentStreams })
      : new Pool(opts.origin, { ...common, pipelining: 1, connections: opts.maxConnections });
  }

  /** Stop taking new requests; in-flight and queued ones finish, then the connections close. */
  drain(): Promise<void> {
    return (this.closing ??= this.dispatcher.close().catch(() => undefined));
  }

  /** Close now, failing whatever is in flight. */
  destroy(): Promise<void> {
    return this.dispatcher.destroy().catch(() => undefined);
  }
}
