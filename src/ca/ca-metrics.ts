import { Counter } from '../telemetry/counter.js';
import { Histogram } from '../telemetry/histogram.js';
import type { MetricFamily, MetricSource } from '../telemetry/prometheus-text.js';
import type { RefusalReason } from './ca-refusal.js';

/**
 * The CA service's metrics. The first two keep Istio's names so that existing dashboards work;
 * refusals are counted by reason in one family instead of Istio's one-counter-per-kind.
 */
export class CaMetrics implements MetricSource {
  readonly csrs = new Counter('citadel_server_csr_count', 'Certificate signing requests received.');
  readonly issued = new Counter('citadel_server_success_cert_issuance_count', 'Certificates issued.');
  readonly errors = new Counter('plexus_ca_csr_errors_total', 'Certificate requests refused or failed, by reason.');
  readonly latency = new Histogram('plexus_ca_csr_duration_seconds', 'Time from request to response of CreateCertificate.');

  /** Called with the root expiry so the gauge can be rendered; undefined until set. */
  rootExpiry?: () => Date;

  countError(reason: RefusalReason | 'internal'): void {
    this.errors.inc({ reason });
  }

  collect(): MetricFamily[] {
    const families = [this.csrs.collect(), this.issued.collect(), this.errors.collect(), this.latency.collect()];
    if (this.rootExpiry) {
      families.push({ name: 'citadel_server_root_cert_expiry_timestamp', help: 'Unix time (seconds) at which the active root expires.', type: 'gauge', samples: [{ value: Math.floor(this.rootExpiry().getTime() / 1000) }] });
    }
    return families;
  }
}
