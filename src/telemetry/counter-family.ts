import type { Labels, MetricFamily, MetricSample } from './prometheus-text.js';
import { SeriesIndex } from './series-index.js';

/** One label set of a counter; keep the handle and call `inc` on the hot path. */
export class CounterSeries {
  value = 0;

  constructor(readonly labels: Labels) {}

  inc(by = 1): void {
    this.value += by;
  }
}

/**
 * A counter with fixed label names. `series(values)` resolves (and caches) a handle once; the
 * per-event cost afterwards is one addition, which is why the hot path keeps handles rather than
 * passing label objects around.
 */
export class CounterFamily {
  private readonly index: SeriesIndex<CounterSeries>;

  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[]) {
    this.index = new SeriesIndex(labelNames, (labels) => new CounterSeries(labels));
  }

  /** The series for these label values (in `labelNames` order), created at 0 when new. */
  series(values: readonly string[]): CounterSeries {
    return this.index.get(values);
  }

  /** Every series created so far. */
  get all(): Iterable<CounterSeries> {
    return this.index.values();
  }

  collect(): MetricFamily {
    const samples: MetricSample[] = [];
    for (const s of this.index.values()) samples.push({ labels: s.labels, value: s.value });
    return { name: this.name, help: this.help, type: 'counter', samples };
  }
}
