import type { Labels } from './prometheus-text.js';

/** Separator for joined label values; a control character never seen in real label values. */
const SEP = '\u0001';

/**
 * Label values → series, for one metric family. Joining the values into a key costs a string
 * per lookup, so callers on a hot path resolve a series once and keep it; this index is for the
 * cold path (first sight of a label set, scrapes).
 */
export class SeriesIndex<S> {
  private readonly byKey = new Map<string, S>();

  constructor(
    private readonly labelNames: readonly string[],
    private readonly create: (labels: Labels) => S,
  ) {}

  get(values: readonly string[]): S {
    if (values.length !== this.labelNames.length) {
      throw new RangeError(`expected ${this.labelNames.length} label values (${this.labelNames.join(', ')}), got ${values.length}`);
    }
    const key = values.length === 0 ? '' : values.length === 1 ? values[0] : values.join(SEP);
    let s = this.byKey.get(key);
    if (s === undefined) {
      const labels: Record<string, string> = {};
      for (let i = 0; i < values.length; i++) labels[this.labelNames[i]] = values[i];
      s = this.create(Object.freeze(labels));
      this.byKey.set(key, s);
    }
    return s;
  }

  values(): IterableIterator<S> {
    return this.byKey.values();
  }

  get size(): number {
    return this.byKey.size;
  }
}
