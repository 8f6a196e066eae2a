import type { XdsStream } from './stream-host.js';
import type { NackRecord } from './sync-status.js';

/** What a proxy's agent said about its workload's health (Istio's HealthInformation request). */
export interface HealthReport {
  readonly healthy: boolean;
  /** Why it is unhealthy (the request's `error_detail.message`); empty when healthy. */
  readonly message: string;
}

/**
 * Observers of an {@link AdsServer}: auto-registration reacts to connects and disconnects,
 * metrics count responses and NACKs. Every method is optional; a throwing observer is
 * logged and never breaks a stream.
 */
export interface AdsObserver {
  /** A stream identified its proxy (first request with `node`). */
  connected?(stream: XdsStream): void;
  /** A stream that had identified its proxy ended. */
  disconnected?(stream: XdsStream): void;
  /** A response was serialized for a proxy: its type and size on the wire. */
  responseSent?(typeUrl: string, bytes: number): void;
  /** A proxy rejected a response. */
  nacked?(stream: XdsStream, typeUrl: string, nack: NackRecord): void;
  /** One proxy finished a push that started (first merged change) `sinceStartMs` ago. */
  pushed?(stream: XdsStream, sinceStartMs: number, full: boolean): void;
  /** A proxy reported its workload's health. */
  health?(stream: XdsStream, report: HealthReport): void;
}

/**
 * Type URL of Istio's health report: an agent sends a request of this type, with
 * `error_detail` when its readiness probe fails, and without when it passes.
 */
export const HEALTH_INFO_TYPE_URL = 'type.googleapis.com/istio.v1.HealthInformation';
