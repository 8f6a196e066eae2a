import { DataPlaneError, type ResetReason } from '../errors/data-plane-error.js';
import type { ResponseFlag } from '../errors/response-flags.js';
import type { UpstreamHost } from './upstream-host.js';

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
 * `host` is the upstream host that was tried, when one had been picked (not for `NC`, `UH`), so
 * the router can avoid it on retry (previous_hosts) and log it (`%UPSTREAM_HOST%`).
 */
export class UpstreamError extends DataPlaneError {
  declare readonly flag: UpstreamResponseFlag;
  /** A private field, so error serializers (pino) do not copy the whole host into logs. */
  #host: UpstreamHost | undefined;

  constructor(
    flag: UpstreamResponseFlag,
    readonly reason: string,
    message: string,
    options?: { cause?: unknown; host?: UpstreamHost },
  ) {
    super(flag, message, {
      resetReason: resetReasonFor(flag, reason),
      transportFailureReason: reason.startsWith('tls_') ? `${reason}: ${message}` : undefined,
      cause: options?.cause,
    });
    this.name = 'UpstreamError';
    this.#host = options?.host;
  }

  /** The upstream host this failure happened on; undefined when none was picked. */
  get host(): UpstreamHost | undefined {
    return this.#host;
  }

  /** Same as {@link host}, under the name a response uses for it (`UpstreamHttpResponse.endpoint`). */
  get endpoint(): UpstreamHost | undefined {
    return this.#host;
  }

  /**
   * Records the host the failure happened on, unless one is already recorded (an error made
   * lower down, e.g. by the connector, is tagged by the layer that picked the host). Returns this.
   */
  onHost(host: UpstreamHost): this {
    this.#host ??= host;
    return this;
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
