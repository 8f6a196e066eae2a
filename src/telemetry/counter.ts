import type { Labels, MetricFamily } from './prometheus-text.js';

const keyOf = (labels: Labels): string => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

/** A monotonically increasing counter with optional labels. */
export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const k = keyOf(labels);
    const cur = this.values.get(k);
    if (cur) cur.value += by;
    else this.values.set(k, { labels: { ...labels }, value: by });
  }

  /** The current value for exactly these labels (0 when never incremented). */
  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }

  collect(): MetricFamily {
    const samples = [...this.values.values()].map((v) => ({ labels: v.labels, value: v.value }));
    return { name: this.name, help: this.help, type: 'counter', samples: samples.length > 0 ? samples : [{ value: 0 }] };
  }
}
