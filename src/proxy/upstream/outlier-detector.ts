import type { Logger } from 'pino';
import type { OutlierDetectionConfig } from '../config/model.js';
import type { UpstreamHost } from './upstream-host.js';

/** Envoy's cap on the ejection time growth (`max_ejection_time` default). */
export const DEFAULT_MAX_EJECTION_TIME_MS = 300_000;

/** A failure that happened on the proxy's side of the wire (Envoy's "local origin" errors). */
export type LocalOriginFailure = 'connect_failed' | 'timeout' | 'reset';

/** Per-host outlier bookkeeping. */
interface HostStats {
  consecutive5xx: number;
  consecutiveGateway: number;
  consecutiveLocal: number;
  /** How many times the host has been ejected; multiplies the ejection time. */
  ejections: number;
  ejectedAtMs: number;
  /** Ejected at least once since the last interval (for the multiplier's decay). */
  ejectedThisInterval: boolean;
}

/**
 * Envoy's consecutive-errors outlier detection for one cluster. Request outcomes come in through
 * {@link reportStatus} and {@link reportLocalFailure}; a host that reaches a threshold is ejected
 * at once (unless `maxEjectionPercent` of hosts are already out, though one host may always go),
 * and returns when `baseEjectionTime × ejections` (capped) has passed, checked every interval.
 * The multiplier decays by one for every interval a returned host stays clean. Without
 * `splitExternalLocalOriginErrors`, local failures count as 503 (504 for timeouts).
 */
export class OutlierDetector {
  private readonly stats = new Map<UpstreamHost, HostStats>();
  private timer: NodeJS.Timeout | undefined;
  private ejectedCount = 0;

  constructor(
    private config: OutlierDetectionConfig,
    /** All hosts of the cluster, for the ejection percentage. */
    private hostCount: () => number,
    /** Called when a host is ejected or returns, so the cluster rebuilds its balancers. */
    private readonly onChange: () => void,
    private readonly log: Logger,
    private readonly clusterName: string,
  ) {
    this.startTimer();
  }

  /** Apply a newer config; counters and ejections carry over. */
  update(config: OutlierDetectionConfig): void {
    const intervalChanged = config.intervalMs !== this.config.intervalMs;
    this.config = config;
    if (intervalChanged) {
      this.stop();
      this.startTimer();
    }
  }

  private startTimer(): void {
    const interval = this.config.intervalMs > 0 ? this.config.intervalMs : 10_000;
    this.timer = setInterval(() => this.sweep(Date.now()), interval);
    this.timer.unref();
  }

  private entry(host: UpstreamHost): HostStats {
    let s = this.stats.get(host);
    if (s === undefined) {
      s = { consecutive5xx: 0, consecutiveGateway: 0, consecutiveLocal: 0, ejections: 0, ejectedAtMs: 0, ejectedThisInterval: false };
      this.stats.set(host, s);
    }
    return s;
  }

  /** An HTTP response from the upstream (external origin). */
  reportStatus(host: UpstreamHost, status: number): void {
    if (status < 500) {
      // Cheap path for the common case: nothing to reset unless the host has a streak going.
      const s = this.stats.get(host);
      if (s !== undefined) {
        s.consecutive5xx = 0;
        s.consecutiveGateway = 0;
        if (!this.config.splitExternalLocalOriginErrors) s.consecutiveLocal = 0;
      }
      return;
    }
    this.countError(host, status);
  }

  /** A failure before or instead of a response: connect failure, timeout, reset. */
  reportLocalFailure(host: UpstreamHost, kind: LocalOriginFailure): void {
    if (!this.config.splitExternalLocalOriginErrors) {
      this.countError(host, kind === 'timeout' ? 504 : 503);
      return;
    }
    const s = this.entry(host);
    s.consecutiveLocal++;
    const limit = this.config.consecutiveLocalOriginFailure ?? 5;
    if (limit > 0 && s.consecutiveLocal >= limit) this.eject(host, s, 'consecutive_local_origin_failure');
  }

  /** A successful connection (local origin success), which ends a local-failure streak. */
  reportLocalSuccess(host: UpstreamHost): void {
    const s = this.stats.get(host);
    if (s !== undefined) s.consecutiveLocal = 0;
  }

  private countError(host: UpstreamHost, status: number): void {
    const s = this.entry(host);
    s.consecutive5xx++;
    const gateway = status === 502 || status === 503 || status === 504;
    if (gateway) s.consecutiveGateway++;
    else s.consecutiveGateway = 0;
    const max5xx = this.config.consecutive5xx ?? 5;
    const maxGateway = this.config.consecutiveGatewayFailure;
    if (max5xx > 0 && s.consecutive5xx >= max5xx) this.eject(host, s, 'consecutive_5xx');
    else if (maxGateway !== undefined && maxGateway > 0 && gateway && s.consecutiveGateway >= maxGateway) this.eject(host, s, 'consecutive_gateway_failure');
  }

  private eject(host: UpstreamHost, s: HostStats, reason: string): void {
    s.consecutive5xx = 0;
    s.consecutiveGateway = 0;
    s.consecutiveLocal = 0;
    if (host.ejected || !host.live) return;
    const total = this.hostCount();
    const percent = total === 0 ? 100 : (100 * (this.ejectedCount + 1)) / total;
    if (percent > this.config.maxEjectionPercent && this.ejectedCount > 0) return;
    host.ejected = true;
    this.ejectedCount++;
    s.ejections++;
    s.ejectedAtMs = Date.now();
    s.ejectedThisInterval = true;
    this.log.info({ cluster: this.clusterName, host: host.key, reason, ejections: s.ejections }, 'outlier detection ejected host');
    this.onChange();
  }

  /** Return hosts whose ejection time has passed; decay the multiplier of clean hosts. */
  sweep(nowMs: number): void {
    let changed = false;
    const base = this.config.baseEjectionTimeMs > 0 ? this.config.baseEjectionTimeMs : 30_000;
    const cap = Math.max(DEFAULT_MAX_EJECTION_TIME_MS, base);
    for (const [host, s] of this.stats) {
      if (!host.live) {
        if (host.ejected) this.ejectedCount--;
        this.stats.delete(host);
        continue;
      }
      if (host.ejected) {
        if (nowMs - s.ejectedAtMs >= Math.min(base * s.ejections, cap)) {
          host.ejected = false;
          this.ejectedCount--;
          changed = true;
          this.log.info({ cluster: this.clusterName, host: host.key }, 'outlier detection returned host');
        }
      } else if (!s.ejectedThisInterval && s.ejections > 0) {
        s.ejections--;
      }
      s.ejectedThisInterval = false;
    }
    if (changed) this.onChange();
  }

  /** Ejection count of a host (for /clusters and tests). */
  ejectionsOf(host: UpstreamHost): number {
    return this.stats.get(host)?.ejections ?? 0;
  }

  /** Forget a host that left the cluster. */
  forget(host: UpstreamHost): void {
    if (host.ejected) {
      host.ejected = false;
      this.ejectedCount--;
    }
    this.stats.delete(host);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
