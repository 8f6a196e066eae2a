import type { Labels, MetricFamily } from './prometheus-text.js';

/**
 * A gauge whose samples are read when scraped: the callback returns the current value, or
 * one value per label set. Nothing is stored, so a gauge can never drift from its source.
 */
export class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number | ReadonlyArray<{ labels: Labels; value: number }>,
  ) {}

  collect(): MetricFamily {
    const v = this.read();
    const samples = typeof v === 'number' ? [{ value: v }] : v.map((s) => ({ labels: s.labels, value: s.value }));
    return { name: this.name, help: this.help, type: 'gauge', samples };
  }
}
