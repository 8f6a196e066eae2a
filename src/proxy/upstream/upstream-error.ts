import { DataPlaneError, type ResetReason } from '../errors/data-plane-error.js';
import type { ResponseFlag } from '../errors/response-flags.js';

/**
 * The response flags an upstream failure can carry (Envoy's codes):
 * `UF` connection failure (refused, connect timeout, TLS handshake or SAN refusal),
 * `UH` no healthy host, `UO` circuit breaker overflow, `UT` per-try timeout,
 * `UC` connection terminated, `UR` stream reset by the peer, `UPE` protocol error,
 * `DC` cancelled by the downstream, `NC` no such cluster.
 */
export type UpstreamResponseFlag = Extract<ResponseFlag, 'UF' | 'UH' | 'UO' | 'UT' | 'UC' | 'UR' | 'UPE' | 'DC' | 'NC'>;

/**
 * A failure to reach or hear back from an upstream host. It is a {@link DataPlaneError}, so the
 * HTTP layer answers it like Envoy (flag, reset reason, transport failure reason); `reason` is
 * a short machine-friendly cause (`connection_refused`, `tls_san_mismatch`, `max_requests`, ...).
 */
export class UpstreamError extends DataPlaneError {
  declare readonly flag: UpstreamResponseFlag;

  constructor(
    flag: UpstreamResponseFlag,
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(flag, message, {
      resetReason: resetReasonFor(flag, reason),
      transportFailureReason: reason.startsWith('tls_') ? `${reason}: ${message}` : undefined,
      cause: options?.cause,
    });
    this.name = 'UpstreamError';
  }

  /** Whether the request never reached an upstream (safe to retry on any host). */
  get beforeRequestSent(): boolean {
    return this.flag === 'UF' || this.flag === 'UH' || this.flag === 'UO' || this.flag === 'NC';
  }
}

function resetReasonFor(flag: UpstreamResponseFlag, reason: string): ResetReason | undefined {
  switch (flag) {
    case 'UF':
      return reason === 'connect_timeout' ? 'connection timeout' : 'connection failure';
    case 'UO':
      return 'overflow';
    case 'UC':
      return 'connection termination';
    case 'UR':
      return 'remote reset';
    case 'UPE':
      return 'protocol error';
    case 'DC':
      return 'local reset';
    default:
      return undefined;
  }
}

/** True when `err` is an UpstreamError, optionally with the given flag. */
export function isUpstreamError(err: unknown, flag?: UpstreamResponseFlag): err is UpstreamError {
  return err instanceof UpstreamError && (flag === undefined || err.flag === flag);
}
