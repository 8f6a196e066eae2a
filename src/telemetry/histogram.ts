import type { MetricFamily } from './prometheus-text.js';

/** Latency buckets in seconds, from 0.5 ms to 10 s. */
export const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A cumulative histogram without labels, rendered with `_bucket`, `_sum` and `_count`. */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[] = LATENCY_BUCKETS_SECONDS) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) this.counts[i]++;
  }

  /** Number of observations so far. */
  get observations(): number {
    return this.count;
  }

  collect(): MetricFamily {
    return {
      name: this.name,
      help: this.help,
      type: 'histogram',
      samples: [
        ...this.buckets.map((le, i) => ({ suffix: '_bucket', labels: { le: String(le) }, value: this.counts[i] })),
        { suffix: '_bucket', labels: { le: '+Inf' }, value: this.count },
        { suffix: '_sum', value: this.sum },
        { suffix: '_count', value: this.count },
      ],
    };
  }
}
