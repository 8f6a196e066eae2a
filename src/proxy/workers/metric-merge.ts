import type { MetricFamily, MetricSample } from '../../telemetry/prometheus-text.js';

/**
 * How one family is combined across processes: `sum` (counters, histogram buckets, and gauges
 * such as active connections, which Envoy also accumulates over its workers), `max` (a gauge
 * every worker reports for the same shared thing), or `primary` (a fact of the whole proxy that
 * only the primary states: server state, uptime, start time).
 */
export type MergeMode = 'sum' | 'max' | 'primary';

function sampleKey(s: MetricSample): string {
  const labels = Object.entries(s.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${s.suffix ?? ''}\u0000${JSON.stringify(labels)}`;
}

interface Entry {
  readonly family: MetricFamily;
  readonly index: Map<string, MetricSample>;
}

/**
 * Merges the primary's families and each worker's into one list, sample by sample (same name,
 * suffix and labels). Families keep the order they are first seen in, workers first, so the
 * result reads like one process's scrape. A family whose type differs between parts keeps the
 * first type seen and drops the others' samples rather than mixing them.
 */
export function mergeMetricFamilies(
  primary: readonly MetricFamily[],
  workers: readonly (readonly MetricFamily[])[],
  modeOf: (family: MetricFamily) => MergeMode,
): MetricFamily[] {
  const out = new Map<string, Entry>();
  const add = (f: MetricFamily, fromPrimary: boolean): void => {
    let e = out.get(f.name);
    if (!e) out.set(f.name, (e = { family: { name: f.name, help: f.help, type: f.type, samples: [], ...(f.envoyName !== undefined ? { envoyName: f.envoyName } : {}) }, index: new Map() }));
    if (e.family.type !== f.type) return;
    const mode = modeOf(f);
    if (mode === 'primary' && !fromPrimary) return;
    for (const s of f.samples) {
      const k = sampleKey(s);
      const cur = e.index.get(k);
      if (!cur) {
        const copy: MetricSample = { ...(s.suffix !== undefined ? { suffix: s.suffix } : {}), ...(s.labels ? { labels: { ...s.labels } } : {}), value: s.value };
        e.index.set(k, copy);
        e.family.samples.push(copy);
      } else cur.value = mode === 'max' ? Math.max(cur.value, s.value) : cur.value + s.value;
    }
  };
  for (const part of workers) for (const f of part) add(f, false);
  for (const f of primary) add(f, true);
  return [...out.values()].map((e) => e.family);
}
