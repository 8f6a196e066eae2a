import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { SocketAddress } from '../config/model.js';
import type { UpstreamHost } from './upstream-host.js';

/**
 * The part of `AbortSignal` the proxy's request path uses. A real AbortSignal fits; so does the
 * router's CancelSignal, which costs no EventTarget and no DOMException per request.
 */
export interface AbortLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** What the router passes to choose an endpoint. */
export interface PickContext {
  /** From the route's hash policy: a 64-bit hash, or a string that is hashed with XXH64. */
  readonly hashKey?: bigint | string;
  /** The downstream peer, for logs and (later) source-based policies. */
  readonly downstreamAddress?: string;
  /** Hosts already tried by earlier attempts; avoided when possible (previous_hosts predicate). */
  readonly attempted?: ReadonlySet<UpstreamHost>;
  /** Host re-selection attempts when a pick lands on an attempted host. */
  readonly hostSelectionRetryMaxAttempts?: number;
  /** Priority levels a retry leaves alone while another level has healthy hosts (previous_priorities). */
  readonly excludedPriorities?: ReadonlySet<number>;
  /** ORIGINAL_DST clusters: where the downstream connection was going. */
  readonly originalDestination?: SocketAddress;
  /** Downstream protocol, for clusters that use the downstream's protocol. */
  readonly downstreamProtocol?: 'http/1.1' | 'h2';
}

/** One HTTP request to send upstream. The body is streamed, never buffered. */
export interface UpstreamHttpRequest {
  readonly method: string;
  /** Path with query, as sent on the request line / `:path`. */
  readonly path: string;
  /** Request headers (hop-by-hop and pseudo-headers are dropped; `host`/`:authority` becomes the authority). */
  readonly headers: IncomingHttpHeaders | OutgoingHttpHeaders;
  readonly body?: Readable | null;
  /** Per-try timeout in ms: the whole exchange must finish within it (flag `UT`). 0/absent: none. */
  readonly timeoutMs?: number;
  /** Aborting (downstream reset) cancels the exchange and resets the upstream stream (flag `DC`). */
  readonly signal?: AbortLike;
}

/** The upstream's answer; the body streams with backpressure. */
export interface UpstreamHttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Errors with an UpstreamError (`UC`, `UR`, `UT`, `DC`) if the exchange fails mid-body. */
  readonly body: Readable;
  /** Resolves with the trailers (possibly empty) when the body has ended; never rejects. */
  readonly trailers: Promise<IncomingHttpHeaders>;
  readonly endpoint: UpstreamHost;
}
