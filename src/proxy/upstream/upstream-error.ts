/**
 * Envoy's response flags that an upstream failure can produce. The router maps an
 * {@link UpstreamError} to a response (503/504) and puts the flag in access logs and stats.
 *
 * - `UF` upstream connection failure (refused, connect timeout, TLS handshake / SAN failure)
 * - `UH` no healthy upstream host
 * - `UO` upstream overflow (circuit breaker open)
 * - `UT` upstream request timeout (per-try timeout)
 * - `UC` upstream connection termination (connection closed before or during the response)
 * - `UR` upstream remote reset (an HTTP/2 stream reset by the peer)
 * - `UPE` upstream protocol error (malformed response)
 * - `DC` downstream connection termination (the request was aborted by its caller)
 * - `NC` no cluster found
 */
export type UpstreamResponseFlag = 'UF' | 'UH' | 'UO' | 'UT' | 'UC' | 'UR' | 'UPE' | 'DC' | 'NC';

/** A failure to reach or hear back from an upstream host, typed for the router's flag mapping. */
export class UpstreamError extends Error {
  constructor(
    readonly flag: UpstreamResponseFlag,
    /** Short machine-friendly reason, e.g. `connection_refused`, `tls_san_mismatch`, `max_requests`. */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UpstreamError';
  }

  /** Whether the failure happened before the request reached the upstream (safe to retry anywhere). */
  get beforeRequestSent(): boolean {
    return this.flag === 'UF' || this.flag === 'UH' || this.flag === 'UO' || this.flag === 'NC';
  }
}

/** True when `err` is an UpstreamError, optionally with the given flag. */
export function isUpstreamError(err: unknown, flag?: UpstreamResponseFlag): err is UpstreamError {
  return err instanceof UpstreamError && (flag === undefined || err.flag === flag);
}

/** The HTTP status Envoy answers with for each flag when no response came from upstream. */
export function statusForFlag(flag: UpstreamResponseFlag): number {
  switch (flag) {
    case 'UT':
      return 504;
    case 'NC':
      return 503;
    case 'DC':
      return 499;
    default:
      return 503;
  }
}
