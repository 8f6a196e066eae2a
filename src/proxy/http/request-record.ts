import type { ConnectionInfo } from '../config/snapshot-holder.js';
import { formatResponseFlags, type ResponseFlag } from '../errors/response-flags.js';

/** Downstream protocol of a request, spelled as Envoy's `%PROTOCOL%`. */
export type HttpProtocol = 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2';

/**
 * What happened to one request, filled in as it goes and handed to `onRequestComplete` once
 * the exchange is over. The access log and stats read only this, so what they report is what
 * the proxy did, not a reconstruction.
 */
export interface RequestRecord {
  /** Wall-clock start (ms since the epoch), Envoy's `%START_TIME%`. */
  readonly startTime: number;
  /** Monotonic start, for durations. */
  readonly startMonotonic: number;
  /** Total duration in ms (`%DURATION%`), set at completion. */
  durationMs?: number;
  /** Ms from start until the first response byte was sent downstream. */
  responseStartMs?: number;
  /** Ms between the upstream request starting and its response headers (`x-envoy-upstream-service-time`). */
  upstreamServiceTimeMs?: number;
  /** Request body bytes received from downstream. */
  bytesReceived: number;
  /** Response body bytes sent downstream. */
  bytesSent: number;
  /** Status sent downstream; 0 when no response started (`%RESPONSE_CODE%`). */
  status: number;
  /** gRPC status seen in the response headers or trailers, when any. */
  grpcStatus?: number;
  readonly flags: Set<ResponseFlag>;
  /** Envoy's `%RESPONSE_CODE_DETAILS%` (`via_upstream`, `route_not_found`, ...). */
  responseCodeDetails?: string;
  /** Why the upstream transport failed (TLS errors), `%UPSTREAM_TRANSPORT_FAILURE_REASON%`. */
  upstreamTransportFailureReason?: string;
  readonly protocol: HttpProtocol;
  readonly method: string;
  /** Path as received (before rewrites). */
  readonly path: string;
  readonly authority: string;
  requestId?: string;
  userAgent?: string;
  xForwardedFor?: string;
  routeName?: string;
  virtualHostName?: string;
  /** Istio decorator of the matched route (the VirtualService). */
  routeDecorator?: string;
  cluster?: string;
  /** `address:port` of the upstream host of the last attempt. */
  upstreamHost?: string;
  /** Number of upstream attempts made (1 + retries). */
  attemptCount: number;
  readonly downstreamRemoteAddress: string;
  readonly downstreamRemotePort: number;
  readonly downstreamLocalAddress: string;
  readonly downstreamLocalPort: number;
  readonly connectionId: number;
  readonly listenerName: string;
  readonly filterChainName: string;
  readonly tls: boolean;
  readonly peerPrincipal?: string;
  readonly serverName?: string;
}

/** Starts the record for a request that has just been parsed. */
export function createRequestRecord(
  info: ConnectionInfo,
  protocol: HttpProtocol,
  request: { method: string; path: string; authority: string },
): RequestRecord {
  return {
    startTime: Date.now(),
    startMonotonic: performance.now(),
    bytesReceived: 0,
    bytesSent: 0,
    status: 0,
    flags: new Set(),
    protocol,
    method: request.method,
    path: request.path,
    authority: request.authority,
    attemptCount: 0,
    downstreamRemoteAddress: info.remoteAddress,
    downstreamRemotePort: info.remotePort,
    downstreamLocalAddress: info.localAddress,
    downstreamLocalPort: info.localPort,
    connectionId: info.id,
    listenerName: info.listenerName,
    filterChainName: info.filterChainName,
    tls: info.tlsTerminated,
    peerPrincipal: info.peerPrincipal,
    serverName: info.serverName,
  };
}

/** Ms elapsed since the record started. */
export function elapsedMs(record: RequestRecord): number {
  return Math.round((performance.now() - record.startMonotonic) * 1000) / 1000;
}

/** The flags as Envoy prints them (`UF,URX`, or `-`). */
export function recordFlags(record: RequestRecord): string {
  return formatResponseFlags(record.flags);
}
