import type { RequestRecord } from '../proxy/http/request-record.js';
import type { CounterFamily, CounterSeries } from './counter-family.js';
import type { HistogramFamily, HistogramSeries } from './histogram-family.js';
import type { MetricsRegistry } from './metrics-registry.js';

/** Per-host request counters, as Envoy's `/clusters` prints them. */
export interface HostRequestCounters {
  rqTotal: number;
  rqSuccess: number;
  rqError: number;
  rqTimeout: number;
}

/** Values of `response_code_class`, Istio's spelling of Envoy's tag (`2` for 2xx). */
const CODE_CLASSES = ['1', '2', '3', '4', '5'] as const;

interface ClusterSeries {
  readonly total: CounterSeries;
  readonly completed: CounterSeries;
  /** By code class, 1xx..5xx at index 0..4. */
  readonly byClass: readonly CounterSeries[];
  readonly timeout: CounterSeries;
  readonly retry: CounterSeries;
  readonly connectFail: CounterSeries;
  readonly overflow: CounterSeries;
  readonly time: HistogramSeries;
  readonly hosts: Map<string, HostRequestCounters>;
}

interface HttpSeries {
  readonly total: CounterSeries;
  readonly byClass: readonly CounterSeries[];
  readonly time: HistogramSeries;
}

/**
 * Envoy's own per-cluster and per-connection-manager request statistics under their Prometheus
 * names (`envoy_cluster_upstream_rq_total{cluster_name=…}`, `envoy_cluster_upstream_rq_xx{response_code_class="5"}`, …),
 * plus the per-host counters `/clusters` shows. Fed by the same request records as Istio's
 * metrics; one Map lookup per record and cluster.
 */
export class EnvoyRequestStats {
  private readonly rqTotal: CounterFamily;
  private readonly rqCompleted: CounterFamily;
  private readonly rqXx: CounterFamily;
  private readonly rqTimeout: CounterFamily;
  private readonly rqRetry: CounterFamily;
  private readonly cxConnectFail: CounterFamily;
  private readonly rqOverflow: CounterFamily;
  private readonly rqTime: HistogramFamily;
  private readonly dsTotal: CounterFamily;
  private readonly dsXx: CounterFamily;
  private readonly dsTime: HistogramFamily;
  private readonly clusters = new Map<string, ClusterSeries>();
  private readonly managers = new Map<string, HttpSeries>();

  constructor(registry: MetricsRegistry) {
    const c = ['cluster_name'];
    this.rqTotal = registry.counter('envoy_cluster_upstream_rq_total', 'Requests sent upstream, by cluster.', c);
    this.rqCompleted = registry.counter('envoy_cluster_upstream_rq_completed', 'Upstream requests completed, by cluster.', c);
    this.rqXx = registry.counter('envoy_cluster_upstream_rq_xx', 'Upstream requests by response code class.', ['response_code_class', 'cluster_name']);
    this.rqTimeout = registry.counter('envoy_cluster_upstream_rq_timeout', 'Upstream requests that timed out.', c);
    this.rqRetry = registry.counter('envoy_cluster_upstream_rq_retry', 'Upstream request retries.', c);
    this.cxConnectFail = registry.counter('envoy_cluster_upstream_cx_connect_fail', 'Requests that failed to connect upstream.', c);
    this.rqOverflow = registry.counter('envoy_cluster_upstream_rq_pending_overflow', 'Requests refused by a circuit breaker.', c);
    this.rqTime = registry.histogram('envoy_cluster_upstream_rq_time', 'Upstream request time in milliseconds.', c);
    const h = ['http_conn_manager_prefix'];
    this.dsTotal = registry.counter('envoy_http_downstream_rq_total', 'Downstream requests, by connection manager (listener).', h);
    this.dsXx = registry.counter('envoy_http_downstream_rq_xx', 'Downstream responses by code class.', ['response_code_class', 'http_conn_manager_prefix']);
    this.dsTime = registry.histogram('envoy_http_downstream_rq_time', 'Downstream request time in milliseconds.', h);
  }

  /** Counts one finished request. */
  recordRequest(r: RequestRecord): void {
    const cls = r.status >= 100 && r.status < 600 ? ((r.status / 100) | 0) - 1 : -1;
    const duration = r.durationMs ?? 0;
    let m = this.managers.get(r.listenerName);
    if (m === undefined) {
      const v = [r.listenerName];
      m = { total: this.dsTotal.series(v), time: this.dsTime.series(v), byClass: CODE_CLASSES.map((k) => this.dsXx.series([k, r.listenerName])) };
      this.managers.set(r.listenerName, m);
    }
    m.total.value++;
    if (cls >= 0) m.byClass[cls].value++;
    m.time.observe(duration);

    // Requests that never reached a cluster (no route, local replies) are not upstream requests.
    if (r.cluster === undefined || (r.attemptCount === 0 && !r.flags.has('UO') && !r.flags.has('UH'))) return;
    const c = this.cluster(r.cluster);
    c.total.value++;
    if (r.attemptCount > 1) c.retry.value += r.attemptCount - 1;
    if (r.flags.has('UF')) c.connectFail.value++;
    if (r.flags.has('UO')) c.overflow.value++;
    const timedOut = r.flags.has('UT');
    if (timedOut) c.timeout.value++;
    if (cls >= 0) {
      c.completed.value++;
      c.byClass[cls].value++;
      c.time.observe(r.upstreamServiceTimeMs ?? duration);
    }
    if (r.upstreamHost !== undefined) {
      let host = c.hosts.get(r.upstreamHost);
      if (host === undefined) c.hosts.set(r.upstreamHost, (host = { rqTotal: 0, rqSuccess: 0, rqError: 0, rqTimeout: 0 }));
      host.rqTotal++;
      // Envoy counts a host's request as an error on a 5xx or a local failure, success otherwise.
      if (r.status >= 500 || r.status === 0) host.rqError++;
      else host.rqSuccess++;
      if (timedOut) host.rqTimeout++;
    }
  }

  /** Per-host counters of one cluster (empty when it served nothing yet). */
  hostCounters(cluster: string): ReadonlyMap<string, HostRequestCounters> {
    return this.clusters.get(cluster)?.hosts ?? new Map();
  }

  private cluster(name: string): ClusterSeries {
    let c = this.clusters.get(name);
    if (c === undefined) {
      const v = [name];
      c = {
        total: this.rqTotal.series(v),
        completed: this.rqCompleted.series(v),
        byClass: CODE_CLASSES.map((k) => this.rqXx.series([k, name])),
        timeout: this.rqTimeout.series(v),
        retry: this.rqRetry.series(v),
        connectFail: this.cxConnectFail.series(v),
        overflow: this.rqOverflow.series(v),
        time: this.rqTime.series(v),
        hosts: new Map(),
      };
      this.clusters.set(name, c);
    }
    return c;
  }
}
