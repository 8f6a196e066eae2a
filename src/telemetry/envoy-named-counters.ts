import { CounterSeries } from './counter-family.js';
import type { MetricFamily, MetricSource } from './prometheus-text.js';

/**
 * Counters named by Envoy stat names whose pieces come from config (`http.<stat_prefix>.rbac.
 * <rules_stat_prefix>allowed`), so no fixed family and label set fits them. Each becomes its own
 * Prometheus family, the stat name flattened as Envoy does without a tag extractor for it
 * (`envoy_http_inbound_0_0_0_0_80_rbac_allowed`, the name Istio's tasks query), and keeps its
 * dotted name for the admin `/stats` text. Resolve handles once per config; `inc` is one add.
 */
export class EnvoyNamedCounters implements MetricSource {
  private readonly byName = new Map<string, CounterSeries>();

  /** The counter for an Envoy stat name, created at 0 (and shown) on first use. */
  counter(statName: string): CounterSeries {
    let c = this.byName.get(statName);
    if (c === undefined) {
      c = new CounterSeries({});
      this.byName.set(statName, c);
    }
    return c;
  }

  /** The current value of a stat (0 when never created). */
  value(statName: string): number {
    return this.byName.get(statName)?.value ?? 0;
  }

  collect(): MetricFamily[] {
    const out: MetricFamily[] = [];
    for (const [name, c] of this.byName) {
      out.push({ name: prometheusNameOf(name), envoyName: name, help: `Envoy stat ${name}.`, type: 'counter', samples: [{ value: c.value }] });
    }
    return out;
  }
}

/** Envoy's Prometheus spelling of an untagged stat: `envoy_` and every other character as `_`. */
export function prometheusNameOf(statName: string): string {
  return `envoy_${statName.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}
