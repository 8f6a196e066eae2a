/**
 * Envoy's response flags (the `%RESPONSE_FLAGS%` short codes). The data plane sets them on a
 * request's record; the access log, stats and the `x-plexus-response-flags` header read them.
 * The codes and meanings are Envoy's, so dashboards and habits built on Envoy carry over.
 */
export const RESPONSE_FLAGS = {
  /** No healthy upstream host in the cluster (503). */
  UH: 'NoHealthyUpstream',
  /** Upstream connection failure, TLS handshake included (503). */
  UF: 'UpstreamConnectionFailure',
  /** Upstream overflow: a circuit breaker is open (503). */
  UO: 'UpstreamOverflow',
  /** No route for the request (404). */
  NR: 'NoRouteFound',
  /** Upstream retry limit exceeded. */
  URX: 'UpstreamRetryLimitExceeded',
  /** The route names a cluster that does not exist (503). */
  NC: 'NoClusterFound',
  /** A request or connection exceeded `max_connection_duration` / `max_downstream_connection_duration`. */
  DT: 'DurationTimeout',
  /** The downstream connection terminated before the response completed. */
  DC: 'DownstreamConnectionTermination',
  /** Local service failed its health check. */
  LH: 'FailedLocalHealthCheck',
  /** Upstream request timeout (504). */
  UT: 'UpstreamRequestTimeout',
  /** Local reset of the stream. */
  LR: 'LocalReset',
  /** The upstream reset the stream (503 when before headers). */
  UR: 'UpstreamRemoteReset',
  /** The upstream connection terminated (503 when before headers). */
  UC: 'UpstreamConnectionTermination',
  /** The fault filter delayed the request. */
  DI: 'DelayInjected',
  /** The fault filter aborted the request. */
  FI: 'FaultInjected',
  /** Rate limited (429). */
  RL: 'RateLimited',
  /** An external authorization service denied the request. */
  UAEX: 'UnauthorizedExternalService',
  /** The rate limit service failed. */
  RLSE: 'RateLimitServiceError',
  /** Invalid `x-envoy-*` request header values. */
  IH: 'InvalidEnvoyRequestHeaders',
  /** Stream idle timeout (408 or reset). */
  SI: 'StreamIdleTimeout',
  /** Downstream protocol error (malformed request). */
  DPE: 'DownstreamProtocolError',
  /** Upstream protocol error. */
  UPE: 'UpstreamProtocolError',
  /** Upstream max stream duration reached. */
  UMSDR: 'UpstreamMaxStreamDurationReached',
  /** The overload manager rejected the request. */
  OM: 'OverloadManager',
  /** DNS resolution failed for the upstream. */
  DF: 'DnsResolutionFailed',
  /** Dropped by drop_overload (EDS). */
  DO: 'DropOverload',
} as const;

/** One of Envoy's response flag short codes. */
export type ResponseFlag = keyof typeof RESPONSE_FLAGS;

/** True when `value` is a known response flag short code. */
export function isResponseFlag(value: unknown): value is ResponseFlag {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(RESPONSE_FLAGS, value);
}

/** Renders flags the way Envoy's access log does: comma-joined in insertion order, `-` when none. */
export function formatResponseFlags(flags: Iterable<ResponseFlag>): string {
  const list = [...new Set(flags)];
  return list.length === 0 ? '-' : list.join(',');
}
