/** Label names and values of one sample. */
export type Labels = Readonly<Record<string, string>>;

/** One line of a metric family: an optional name suffix (`_bucket`, `_sum`, `_count`), labels and value. */
export interface MetricSample {
  suffix?: string;
  labels?: Labels;
  value: number;
}

/** A metric family as Prometheus's text format (version 0.0.4) describes it. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: MetricSample[];
  /** The dotted Envoy stat name for admin `/stats`, when it cannot be derived from `name` and labels. */
  envoyName?: string;
}

/** Anything that can report metric families; a /metrics handler renders a list of these. */
export interface MetricSource {
  collect(): MetricFamily[];
}

/** Content-Type of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeHelp = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function formatLabels(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/** Renders families in the Prometheus text format: HELP, TYPE, then one line per sample. */
export function renderPrometheusText(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) out.push(`${f.name}${s.suffix ?? ''}${formatLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}
