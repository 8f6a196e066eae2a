import { CounterFamily } from './counter-family.js';
import { ENVOY_DEFAULT_BUCKETS } from './envoy-buckets.js';
import { GaugeFamily } from './gauge-family.js';
import { HistogramFamily } from './histogram-family.js';
import type { MetricFamily, MetricSource } from './prometheus-text.js';

type Family = CounterFamily | GaugeFamily | HistogramFamily;

/**
 * The proxy's metric families in registration order, plus other {@link MetricSource}s to scrape
 * alongside (listener stats, process metrics). Registering a name twice returns the first
 * family, so independent modules can share one without passing it around.
 */
export class MetricsRegistry implements MetricSource {
  private readonly families = new Map<string, Family>();
  private readonly sources: MetricSource[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): CounterFamily {
    return this.register(name, CounterFamily, () => new CounterFamily(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): GaugeFamily {
    return this.register(name, GaugeFamily, () => new GaugeFamily(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], bounds: readonly number[] = ENVOY_DEFAULT_BUCKETS): HistogramFamily {
    return this.register(name, HistogramFamily, () => new HistogramFamily(name, help, labelNames, bounds));
  }

  /** Adds a source scraped after this registry's own families. */
  addSource(source: MetricSource): void {
    if (!this.sources.includes(source)) this.sources.push(source);
  }

  /** Registered families by name. */
  family(name: string): Family | undefined {
    return this.families.get(name);
  }

  collect(): MetricFamily[] {
    const out: MetricFamily[] = [];
    for (const f of this.families.values()) out.push(f.collect());
    for (const s of this.sources) out.push(...s.collect());
    return out;
  }

  private register<F extends Family>(name: string, kind: new (...args: never[]) => F, make: () => F): F {
    const existing = this.families.get(name);
    if (existing !== undefined) {
      if (!(existing instanceof kind)) throw new TypeError(`metric ${name} is already registered as another type`);
      return existing;
    }
    const f = make();
    this.families.set(name, f);
    return f;
  }
}
