import type { Labels, MetricFamily } from './prometheus-text.js';

/**
 * Prometheus families whose one label is Envoy's stat-name scope: `envoy_cluster_x{cluster_name="c"}`
 * is `cluster.c.x` in Envoy's own `/stats`.
 */
const SCOPES: readonly { readonly prefix: string; readonly label: string; readonly scope: string }[] = [
  { prefix: 'envoy_cluster_', label: 'cluster_name', scope: 'cluster' },
  { prefix: 'envoy_listener_', label: 'envoy_listener_address', scope: 'listener' },
  { prefix: 'envoy_http_', label: 'http_conn_manager_prefix', scope: 'http' },
  { prefix: 'envoy_tcp_', label: 'envoy_tcp_prefix', scope: 'tcp' },
  { prefix: 'envoy_rbac_', label: 'envoy_rbac_prefix', scope: 'rbac' },
];

/** The remaining labels become extra name segments, in label order (`upstream_rq_xx` with class 2 is `upstream_rq_2xx`). */
function scopedName(family: string, labels: Labels | undefined): string {
  for (const s of SCOPES) {
    if (!family.startsWith(s.prefix)) continue;
    let name = family.slice(s.prefix.length);
    let scope = '';
    for (const [k, v] of Object.entries(labels ?? {})) {
      if (k === s.label) scope = v;
      else if (k === 'response_code_class' && name.endsWith('_xx')) name = `${name.slice(0, -2)}${v}xx`;
      else name = `${name}.${v}`;
    }
    return scope ? `${s.scope}.${scope}.${name}` : `${s.scope}.${name}`;
  }
  if (family.startsWith('envoy_server_')) return `server.${family.slice('envoy_server_'.length)}`;
  if (family.startsWith('istio_')) {
    // Istio's tag-extraction spelling, which is how an Istio sidecar's /stats shows its metrics.
    const tags = Object.entries(labels ?? {}).map(([k, v]) => `${k}.=${v};.;`).join('');
    return `${tags}${family}`;
  }
  const rest = Object.entries(labels ?? {}).map(([k, v]) => `.${k}.${v}`).join('');
  return `${family}${rest}`;
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3).replace(/\.?0+$/, '');
}

/** Quantile of a cumulative histogram (bounds and cumulative counts), interpolated like Prometheus. */
function quantile(bounds: readonly number[], cumulative: readonly number[], total: number, q: number): number {
  if (total === 0) return NaN;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (cumulative[i] >= rank) {
      const prev = i === 0 ? 0 : cumulative[i - 1];
      const lo = i === 0 ? 0 : bounds[i - 1];
      const inBucket = cumulative[i] - prev;
      return inBucket === 0 ? bounds[i] : lo + (bounds[i] - lo) * ((rank - prev) / inBucket);
    }
  }
  return bounds[bounds.length - 1];
}

/**
 * Renders families as Envoy's plain-text `/stats`: `name: value` lines sorted by name;
 * histograms as `name: P0(…) P25(…) P50(…) P75(…) P90(…) P95(…) P99(…) P100(…)` estimated
 * from their buckets (Envoy prints interval and cumulative pairs; Plexus keeps cumulative).
 * `filter` is a regular expression on the Envoy stat name.
 */
export function renderEnvoyStatsText(families: readonly MetricFamily[], filter?: RegExp, usedOnly = false): string {
  const lines: string[] = [];
  for (const f of families) {
    if (f.type !== 'histogram') {
      for (const s of f.samples) {
        if (usedOnly && s.value === 0) continue;
        const name = f.envoyName ?? scopedName(f.name, s.labels);
        if (!filter || filter.test(name)) lines.push(`${name}: ${num(s.value)}`);
      }
      continue;
    }
    // Group bucket samples by their labels without `le`.
    const series = new Map<string, { labels: Record<string, string>; bounds: number[]; cumulative: number[]; count: number }>();
    for (const s of f.samples) {
      const { le, ...rest } = s.labels ?? {};
      const key = JSON.stringify(rest);
      let e = series.get(key);
      if (!e) series.set(key, (e = { labels: rest, bounds: [], cumulative: [], count: 0 }));
      if (s.suffix === '_bucket' && le !== undefined && le !== '+Inf') {
        e.bounds.push(Number(le));
        e.cumulative.push(s.value);
      } else if (s.suffix === '_count') e.count = s.value;
    }
    for (const e of series.values()) {
      if (usedOnly && e.count === 0) continue;
      const name = scopedName(f.name, e.labels);
      if (filter && !filter.test(name)) continue;
      const qs = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1].map((q) => {
        const v = quantile(e.bounds, e.cumulative, e.count, q);
        return `P${q * 100}(${Number.isNaN(v) ? 'nan' : num(v)})`;
      });
      lines.push(`${name}: ${qs.join(' ')}`);
    }
  }
  lines.sort();
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
