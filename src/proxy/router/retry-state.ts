import type { RetryPolicy } from '../config/model.js';
import { getHeader, type HeaderMap } from '../http/header-map.js';

/** Why an upstream attempt failed without usable response headers. */
export type UpstreamFailureKind = 'connect-failure' | 'reset' | 'refused-stream' | 'per-try-timeout' | 'overflow' | 'no-host' | 'other';

const GRPC_RETRY_ON: Readonly<Record<string, number>> = {
  cancelled: 1,
  'deadline-exceeded': 4,
  'resource-exhausted': 8,
  internal: 13,
  unavailable: 14,
};

const DEFAULT_BACKOFF_BASE_MS = 25;

/**
 * Retry bookkeeping for one request, with Envoy's semantics: which responses and failures are
 * retriable under `retry_on`, how many retries remain, and the jittered exponential backoff.
 * `x-envoy-retry-on`, `x-envoy-retry-grpc-on`, `x-envoy-max-retries` and
 * `x-envoy-retriable-status-codes` are honoured only when the caller says the request is
 * trusted (the connection manager strips them from edge requests).
 */
export class RetryState {
  private readonly on: ReadonlySet<string>;
  private readonly statusCodes: ReadonlySet<number>;
  private readonly maxRetries: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private retriesUsed = 0;

  constructor(policy: RetryPolicy | undefined, headers: HeaderMap, trusted: boolean, private readonly random: () => number = Math.random) {
    const on = new Set((policy?.retryOn ?? []).map((s) => s.trim()).filter(Boolean));
    const codes = new Set(policy?.retriableStatusCodes ?? []);
    let max = policy?.numRetries ?? (policy ? 1 : 0);
    if (trusted) {
      for (const name of ['x-envoy-retry-on', 'x-envoy-retry-grpc-on']) {
        for (const token of (getHeader(headers, name) ?? '').split(',')) if (token.trim()) on.add(token.trim());
      }
      for (const token of (getHeader(headers, 'x-envoy-retriable-status-codes') ?? '').split(',')) {
        const code = Number(token.trim());
        if (Number.isInteger(code) && code >= 100 && code < 600) codes.add(code);
      }
      const headerMax = Number(getHeader(headers, 'x-envoy-max-retries'));
      if (getHeader(headers, 'x-envoy-max-retries') !== undefined && Number.isInteger(headerMax) && headerMax >= 0) max = headerMax;
      else if (!policy && on.size > 0) max = 1;
    }
    this.on = on;
    this.statusCodes = codes;
    this.maxRetries = on.size > 0 ? max : 0;
    this.baseMs = policy?.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.maxMs = policy?.backoffMaxMs ?? this.baseMs * 10;
  }

  /** True when some retry condition is configured at all. */
  get enabled(): boolean {
    return this.maxRetries > 0;
  }

  /** True when the retry_on conditions cover this response (before counting remaining retries). */
  retriableResponse(status: number, headers: HeaderMap): boolean {
    const on = this.on;
    if (on.has('5xx') && status >= 500) return true;
    if (on.has('gateway-error') && (status === 502 || status === 503 || status === 504)) return true;
    if (on.has('retriable-4xx') && status === 409) return true;
    if (on.has('retriable-status-codes') && this.statusCodes.has(status)) return true;
    const grpcStatus = getHeader(headers, 'grpc-status');
    if (grpcStatus !== undefined) {
      const code = Number(grpcStatus);
      for (const [name, value] of Object.entries(GRPC_RETRY_ON)) if (on.has(name) && value === code) return true;
    }
    return false;
  }

  /** True when the retry_on conditions cover this failure. Overflow and a missing host never retry. */
  retriableFailure(kind: UpstreamFailureKind): boolean {
    const on = this.on;
    if (kind === 'overflow' || kind === 'no-host' || kind === 'other') return false;
    if (on.has('5xx') || on.has('gateway-error') || on.has('reset')) return true;
    if (kind === 'connect-failure' && on.has('connect-failure')) return true;
    if (kind === 'refused-stream' && on.has('refused-stream')) return true;
    return false;
  }

  /** Takes one retry if any remain. */
  tryConsume(): boolean {
    if (this.retriesUsed >= this.maxRetries) return false;
    this.retriesUsed++;
    return true;
  }

  /** Envoy's jittered exponential backoff for the retry just consumed. */
  backoffMs(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * (2 ** this.retriesUsed - 1));
    return Math.floor(this.random() * Math.max(ceiling, this.baseMs));
  }
}
