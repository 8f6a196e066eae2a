import type { Logger } from 'pino';
import type { Locality, ProxySnapshot, SecretConfig } from '../config/model.js';
import type { MetricFamily } from '../../telemetry/prometheus-text.js';
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

/**
 * Metric families read on the spot (a `MetricSource` such as ProxyStats) or gathered from other
 * processes first (the workers of `plexus proxy --concurrency N`).
 */
export interface AdminMetricSource {
  collect(): MetricFamily[] | Promise<MetricFamily[]>;
}

/** The live parts of `/clusters`: hosts as the load balancer sees them and their request counters. */
export interface AdminClusterViews {
  readonly upstream?: AdminUpstreamView;
  hostCounters?(cluster: string): ReadonlyMap<string, HostRequestCounters>;
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
  /** Everything `/stats` and `/stats/prometheus` show (ProxyStats, any MetricSource, or a gatherer). */
  readonly metrics: AdminMetricSource;
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
  /**
   * For upstream state kept in other processes (workers): fetched before each `/clusters`
   * answer, and used instead of `upstream` and `hostCounters`.
   */
  clusterViews?(): Promise<AdminClusterViews>;
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
