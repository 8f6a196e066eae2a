import type { Labels, MetricFamily, MetricSample } from './prometheus-text.js';
import { SeriesIndex } from './series-index.js';

/** One label set of a gauge that the owner sets or moves. */
export class GaugeSeries {
  value = 0;

  constructor(readonly labels: Labels) {}

  set(v: number): void {
    this.value = v;
  }

  add(by: number): void {
    this.value += by;
  }
}

/** A stored gauge with fixed label names (for values read at scrape time use `Gauge`). */
export class GaugeFamily {
  private readonly index: SeriesIndex<GaugeSeries>;

  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[]) {
    this.index = new SeriesIndex(labelNames, (labels) => new GaugeSeries(labels));
  }

  series(values: readonly string[]): GaugeSeries {
    return this.index.get(values);
  }

  get all(): Iterable<GaugeSeries> {
    return this.index.values();
  }

  collect(): MetricFamily {
    const samples: MetricSample[] = [];
    for (const s of this.index.values()) samples.push({ labels: s.labels, value: s.value });
    return { name: this.name, help: this.help, type: 'gauge', samples };
  }
}
