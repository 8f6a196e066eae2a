import type { Labels, MetricFamily, MetricSource } from '../../telemetry/prometheus-text.js';
import type { AdminMetricSource } from '../admin/admin-sources.js';
import { mergeMetricFamilies, type MergeMode } from './metric-merge.js';

/** One worker's answer to a scrape. */
export interface WorkerScrape {
  /** The worker's place in the pool, 0..N-1, kept by its replacement (Envoy's worker index). */
  readonly slot: number;
  /** node:cluster's id: a replacement has a new one. */
  readonly workerId: number;
  readonly families: readonly MetricFamily[];
}

/** Options of {@link WorkerMetrics}. */
export interface WorkerMetricsOptions {
  /** The primary's own families (envoy_server_*, process_*). */
  readonly primary: MetricSource;
  /** Asks every live worker for its families; workers that do not answer are left out. */
  gather(): Promise<readonly WorkerScrape[]>;
}

/** Facts of the whole proxy, which the primary states once instead of summing N+1 answers. */
const PRIMARY_OWNED: ReadonlySet<string> = new Set([
  'envoy_server_live',
  'envoy_server_state',
  'envoy_server_uptime',
  'envoy_server_concurrency',
  'process_start_time_seconds',
]);

/**
 * Gauges that every worker reports about the same shared thing (cluster membership is the same
 * EDS in every worker); Envoy keeps those once, on its main thread. Other gauges (active
 * connections and requests, memory) are per worker and add up.
 */
const SHARED_GAUGE_PREFIXES: readonly string[] = ['envoy_cluster_membership_'];

/** How {@link WorkerMetrics} merges a family. */
export function workerMergeMode(f: MetricFamily): MergeMode {
  if (PRIMARY_OWNED.has(f.name)) return 'primary';
  if (f.type === 'gauge' && SHARED_GAUGE_PREFIXES.some((p) => f.name.startsWith(p))) return 'max';
  return 'sum';
}

/** The counters and histograms of a scrape: what stays true of a worker after it answered. */
function monotonic(families: readonly MetricFamily[]): MetricFamily[] {
  return families.filter((f) => f.type !== 'gauge' && workerMergeMode(f) === 'sum');
}

/** Envoy's per-handler listener stats: `listener.<address>.worker_<i>.downstream_cx_{total,active}`. */
const PER_WORKER: readonly { readonly from: string; readonly to: string; readonly help: string }[] = [
  { from: 'envoy_listener_downstream_cx_total', to: 'envoy_listener_worker_downstream_cx_total', help: 'Connections accepted, by listener and worker.' },
  { from: 'envoy_listener_downstream_cx_active', to: 'envoy_listener_worker_downstream_cx_active', help: 'Open downstream connections, by listener and worker.' },
];

/**
 * A worker's families plus its per-worker listener series, labelled as Envoy's tag extraction
 * labels them (`envoy_worker_id`), so one scrape shows how connections spread over workers.
 */
export function withPerWorkerListenerStats(families: readonly MetricFamily[], slot: number): MetricFamily[] {
  const out = [...families];
  for (const p of PER_WORKER) {
    const f = families.find((x) => x.name === p.from);
    if (!f) continue;
    const samples = f.samples
      .filter((s) => s.labels?.envoy_listener_address !== undefined)
      .map((s) => ({ labels: { ...s.labels, envoy_worker_id: String(slot) } as Labels, value: s.value }));
    out.push({ name: p.to, help: p.help, type: f.type, samples });
  }
  return out;
}

/**
 * The proxy-wide statistics of `--concurrency N`: at each scrape, every worker's families are
 * gathered over IPC and summed (counters, histogram buckets, additive gauges), and the primary
 * adds its own server and process facts. When a worker exits, the counters it last reported
 * are kept and added to every later scrape, so totals do not go down when a worker is
 * replaced (what it counted after its last scrape is lost); a worker that does not answer in
 * time is counted with its previous answer.
 */
export class WorkerMetrics implements AdminMetricSource {
  private readonly last = new Map<number, MetricFamily[]>();
  private readonly retiredIds = new Set<number>();
  private retired: MetricFamily[] = [];

  constructor(private readonly opts: WorkerMetricsOptions) {}

  async collect(): Promise<MetricFamily[]> {
    const scrapes = await this.opts.gather();
    const parts: MetricFamily[][] = [];
    const answered = new Set<number>();
    for (const s of scrapes) {
      // Answered, then exited before the answer was used: its counters are already retired.
      if (this.retiredIds.has(s.workerId)) continue;
      const families = withPerWorkerListenerStats(s.families, s.slot);
      this.last.set(s.workerId, families);
      answered.add(s.workerId);
      parts.push(families);
    }
    // A live worker too slow to answer keeps its last counters in the sum rather than
    // making the totals dip (which Prometheus would read as a counter reset).
    for (const [id, families] of this.last) if (!answered.has(id)) parts.push(monotonic(families));
    parts.push(this.retired);
    return mergeMetricFamilies(this.opts.primary.collect(), parts, workerMergeMode);
  }

  /** Call when a worker has exited: its last counters and histograms stay in the totals. */
  retire(workerId: number): void {
    this.retiredIds.add(workerId);
    const families = this.last.get(workerId);
    this.last.delete(workerId);
    if (!families) return;
    this.retired = mergeMetricFamilies([], [this.retired, monotonic(families)], () => 'sum');
  }
}
