import { Counter } from '../telemetry/counter.js';
import { Gauge } from '../telemetry/gauge.js';
import { Histogram } from '../telemetry/histogram.js';
import type { MetricFamily, MetricSource } from '../telemetry/prometheus-text.js';
import type { AdsObserver } from './ads-events.js';
import type { AdsServer } from './ads-server.js';
import { SHORT_TYPE } from './type-urls.js';

/** Convergence buckets (seconds), istiod's for pilot_proxy_convergence_time. */
const CONVERGENCE_BUCKETS = [0.1, 0.5, 1, 3, 5, 10, 20, 30];

/** `cds`, `lds`… as istiod labels its xDS metrics; the type name for anything else. */
function typeLabel(typeUrl: string): string {
  return (SHORT_TYPE[typeUrl] ?? typeUrl.slice(typeUrl.lastIndexOf('.') + 1)).toLowerCase();
}

/**
 * The xDS server's metrics, under istiod's names where one exists (pilot_xds_pushes,
 * pilot_proxy_convergence_time, pilot_xds, pilot_total_xds_rejects), so existing dashboards
 * read them; bytes get a Plexus name because istiod only has a size histogram.
 */
export class XdsMetrics implements MetricSource, AdsObserver {
  readonly pushes = new Counter('pilot_xds_pushes', 'Pilot build and send errors for lds, rds, cds and eds.');
  readonly bytes = new Counter('plexus_xds_pushed_bytes_total', 'Bytes of xDS responses sent, by type.');
  readonly rejects = new Counter('pilot_total_xds_rejects', 'Total number of xDS responses from pilot rejected by proxy.');
  readonly convergence = new Histogram('pilot_proxy_convergence_time', 'Delay in seconds between config change and a proxy receiving all required configuration.', CONVERGENCE_BUCKETS);
  private readonly connectedProxies: Gauge;
  private sentBytes = 0;

  constructor(ads: AdsServer) {
    this.connectedProxies = new Gauge('pilot_xds', 'Number of endpoints connected to this pilot using XDS.', () => ads.connections().length);
    ads.observe(this);
  }

  responseSent(typeUrl: string, bytes: number): void {
    const type = typeLabel(typeUrl);
    this.pushes.inc({ type });
    this.bytes.inc({ type }, bytes);
    this.sentBytes += bytes;
  }

  nacked(_stream: unknown, typeUrl: string): void {
    this.rejects.inc({ type: typeLabel(typeUrl) });
  }

  pushed(_stream: unknown, sinceStartMs: number): void {
    this.convergence.observe(sinceStartMs / 1000);
  }

  /** Every byte of every response sent so far. */
  totalBytes(): number {
    return this.sentBytes;
  }

  collect(): MetricFamily[] {
    return [this.pushes.collect(), this.bytes.collect(), this.rejects.collect(), this.convergence.collect(), this.connectedProxies.collect()];
  }
}
