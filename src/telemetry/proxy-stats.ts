import type { RequestRecord } from '../proxy/http/request-record.js';
import { EnvoyRequestStats } from './envoy-request-stats.js';
import { IstioStandardMetrics, type TcpConnectionFacts, type TcpConnectionMetrics } from './istio-standard-metrics.js';
import { MetricsRegistry } from './metrics-registry.js';
import { ProcessMetrics } from './process-metrics.js';
import type { MetricFamily, MetricSource } from './prometheus-text.js';
import { ServerMetrics, type ServerState } from './server-metrics.js';
import type { UpstreamFacts } from './upstream-facts.js';
import type { WorkloadLabels } from './workload-labels.js';

/** Options of {@link ProxyStats}. */
export interface ProxyStatsOptions {
  /** This proxy's own workload labels (see `localWorkloadLabels`). */
  readonly local: WorkloadLabels;
  readonly upstream?: UpstreamFacts;
  /** Server state for `envoy_server_*`; default LIVE. */
  readonly state?: () => ServerState;
  /** Further sources scraped with the proxy's own families (listener stats, ...). */
  readonly sources?: readonly MetricSource[];
  /** Export `process_*` families too (default true). */
  readonly processMetrics?: boolean;
}

/**
 * Every statistic one proxy exports: Istio's standard metrics, Envoy's cluster/HTTP/server
 * stats and whatever other sources are added. Hand `onRequestComplete` to the HTTP connection
 * manager; admin (/stats) and the Prometheus ports (15090, 15020) read `collect()`.
 */
export class ProxyStats implements MetricSource {
  readonly registry = new MetricsRegistry();
  readonly istio: IstioStandardMetrics;
  readonly envoy: EnvoyRequestStats;

  constructor(opts: ProxyStatsOptions) {
    this.istio = new IstioStandardMetrics(this.registry, { local: opts.local, ...(opts.upstream ? { upstream: opts.upstream } : {}) });
    this.envoy = new EnvoyRequestStats(this.registry);
    this.registry.addSource(new ServerMetrics(opts.state ?? (() => 'LIVE')));
    for (const s of opts.sources ?? []) this.registry.addSource(s);
    if (opts.processMetrics !== false) this.registry.addSource(new ProcessMetrics());
  }

  /** The per-request hook: an arrow so it can be passed as is. */
  readonly onRequestComplete = (record: RequestRecord): void => {
    this.istio.recordRequest(record);
    this.envoy.recordRequest(record);
  };

  /** Counts a proxied TCP connection (tcp_proxy calls this when it connects upstream). */
  tcpConnection(facts: TcpConnectionFacts): TcpConnectionMetrics {
    return this.istio.tcpConnection(facts);
  }

  /** Scrape-time sources added after construction (e.g. once listeners exist). */
  addSource(source: MetricSource): void {
    this.registry.addSource(source);
  }

  /** Drop cached cluster facts after a config swap. */
  invalidate(): void {
    this.istio.invalidate();
  }

  collect(): MetricFamily[] {
    return this.registry.collect();
  }
}
