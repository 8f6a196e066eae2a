import type { Labels, MetricFamily, MetricSample } from './prometheus-text.js';
import { SeriesIndex } from './series-index.js';

/**
 * One label set of a histogram. Buckets are stored per interval (not cumulatively) so an
 * observation touches one slot; the scrape sums them up.
 */
export class HistogramSeries {
  /** counts[i] = observations in (bounds[i-1], bounds[i]]; the last slot is (last bound, +Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly labels: Labels, readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    // Linear scan: ~20 bounds, and most observations land in the first few.
    let i = 0;
    while (i < b.length && value > b[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  /** Approximate quantile (0..1) by linear interpolation inside the bucket, as Prometheus does. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = q * this.count;
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const next = seen + this.counts[i];
      if (next >= rank && this.counts[i] > 0) {
        const lo = i === 0 ? 0 : this.bounds[i - 1];
        const hi = i < this.bounds.length ? this.bounds[i] : lo;
        return lo + (hi - lo) * ((rank - seen) / this.counts[i]);
      }
      seen = next;
    }
    return this.bounds[this.bounds.length - 1];
  }
}

/** A histogram with fixed label names and bucket bounds; see {@link CounterFamily} for the handle pattern. */
export class HistogramFamily {
  private readonly index: SeriesIndex<HistogramSeries>;
  private readonly leLabels: readonly string[];

  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[], readonly bounds: readonly number[]) {
    this.index = new SeriesIndex(labelNames, (labels) => new HistogramSeries(labels, bounds));
    this.leLabels = bounds.map((b) => String(b));
  }

  series(values: readonly string[]): HistogramSeries {
    return this.index.get(values);
  }

  get all(): Iterable<HistogramSeries> {
    return this.index.values();
  }

  collect(): MetricFamily {
    const samples: MetricSample[] = [];
    for (const s of this.index.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += s.counts[i];
        samples.push({ suffix: '_bucket', labels: { ...s.labels, le: this.leLabels[i] }, value: cumulative });
      }
      samples.push({ suffix: '_bucket', labels: { ...s.labels, le: '+Inf' }, value: s.count });
      samples.push({ suffix: '_sum', labels: s.labels, value: s.sum });
      samples.push({ suffix: '_count', labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', samples };
  }
}
