import type { CircuitBreakerThresholds } from '../config/model.js';

/** Which of Envoy's circuit breaker thresholds overflowed. */
export type BreakerResource = 'connections' | 'pending' | 'requests' | 'retries';

/**
 * One cluster's circuit breaker counters (Envoy's default priority). Thresholds can change on a
 * snapshot swap; the counters carry over. Overflows count per resource for stats.
 */
export class CircuitBreaker {
  connections = 0;
  pending = 0;
  requests = 0;
  retries = 0;
  readonly overflows = { connections: 0, pending: 0, requests: 0, retries: 0 };

  constructor(public thresholds: CircuitBreakerThresholds) {}

  canOpenConnection(): boolean {
    if (this.connections < this.thresholds.maxConnections) return true;
    this.overflows.connections++;
    return false;
  }

  canStartRequest(): boolean {
    if (this.requests < this.thresholds.maxRequests) return true;
    this.overflows.requests++;
    return false;
  }

  canQueuePending(): boolean {
    if (this.pending < this.thresholds.maxPendingRequests) return true;
    this.overflows.pending++;
    return false;
  }

  /** Reserve a retry; false when `maxRetries` retries are already in flight. */
  tryStartRetry(): boolean {
    if (this.retries >= this.thresholds.maxRetries) {
      this.overflows.retries++;
      return false;
    }
    this.retries++;
    return true;
  }

  endRetry(): void {
    if (this.retries > 0) this.retries--;
  }
}
