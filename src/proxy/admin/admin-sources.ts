import type { Logger } from 'pino';
import type { Locality, ProxySnapshot, SecretConfig } from '../config/model.js';
import type { MetricSource } from '../../telemetry/prometheus-text.js';
import type { HostRequestCounters } from '../../telemetry/envoy-request-stats.js';
import type { ServerState } from '../../telemetry/server-metrics.js';
import type { ResourceDump, XdsClientStatus } from '../xds-client/xds-client-status.js';

/** One upstream host as `/clusters` shows it (the UpstreamManager's UpstreamHost fits). */
export interface AdminHostView {
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  readonly edsHealthy: boolean;
  readonly ejected: boolean;
  readonly hostname: string | undefined;
  readonly locality: Locality;
  readonly priority: number;
  readonly activeRequests: number;
}

/** Run-time state of upstream clusters (the UpstreamManager fits). */
export interface AdminUpstreamView {
  cluster(name: string): { readonly allHosts: readonly AdminHostView[] } | undefined;
}

/** The xds-client's accessors used by `/config_dump` (XdsClient fits). */
export interface AdminXdsView {
  resources(): ResourceDump;
  status(): XdsClientStatus;
}

/** Secrets held outside xDS (the LocalSecretStore fits). */
export interface AdminLocalSecrets {
  readonly names: readonly string[];
  get(name: string): SecretConfig | undefined;
}

/** The `node` block and command line facts for `/server_info` and the bootstrap dump. */
export interface AdminBootstrapInfo {
  readonly node: {
    readonly id: string;
    readonly cluster?: string;
    readonly metadata?: Readonly<Record<string, unknown>>;
    readonly locality?: Readonly<Record<string, string>>;
  };
  /** `host:port` of the controller's xDS server, when connected to one. */
  readonly xdsServer?: string;
}

/**
 * What the admin server reads and triggers. The first five members are exactly the
 * proxy-process's `ProxyAdminSeam`; the rest are optional views that make the answers richer.
 */
export interface AdminSources {
  readonly holder: { readonly current: ProxySnapshot };
  /** Everything `/stats` and `/stats/prometheus` show (ProxyStats, or any MetricSource). */
  readonly metrics: MetricSource;
  ready(): boolean;
  drainListeners(): Promise<void>;
  /** Asked by `/quitquitquit` after the answer is sent; the owner drains and exits. */
  quit(): void | Promise<void>;
  /** Finer state than `ready()` (DRAINING vs PRE_INITIALIZING). */
  state?(): ServerState;
  readonly xds?: AdminXdsView;
  readonly upstream?: AdminUpstreamView;
  /** Per-host request counters (ProxyStats.envoy.hostCounters). */
  hostCounters?(cluster: string): ReadonlyMap<string, HostRequestCounters>;
  readonly localSecrets?: AdminLocalSecrets;
  readonly bootstrap?: AdminBootstrapInfo;
  /** Root logger whose level `/logging` changes (pino children follow it unless they set their own). */
  readonly logger?: Logger;
}

/** The server state derived from the sources. */
export function serverStateOf(sources: AdminSources): ServerState {
  if (sources.state) return sources.state();
  return sources.ready() ? 'LIVE' : 'PRE_INITIALIZING';
}
