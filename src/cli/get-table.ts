import type { KindDefinition } from '../api/kinds/kind.js';
import type { Resource } from '../api/resource.js';
import { humanAge } from './human-age.js';

/** One column of `plexus get`'s table. */
interface Column {
  header: string;
  value(r: Resource): string;
  /** Shown only with `-o wide`. */
  wide?: boolean;
}

type Spec = Record<string, unknown>;
const spec = (r: Resource): Spec => (r.spec ?? {}) as Spec;
/** kubectl prints list-valued CRD columns as JSON (`["reviews"]`) and missing values as nothing. */
const json = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

const AGE = 'AGE';

/**
 * Columns per kind, after NAME: the printer columns of Istio's CRDs (and kubectl's for the
 * core kinds), in their order. AGE marks where the age goes; kinds not listed show just AGE.
 */
const COLUMNS: Readonly<Record<string, readonly (Column | typeof AGE)[]>> = {
  VirtualService: [{ header: 'GATEWAYS', value: (r) => json(spec(r).gateways) }, { header: 'HOSTS', value: (r) => json(spec(r).hosts) }, AGE],
  DestinationRule: [{ header: 'HOST', value: (r) => json(spec(r).host) }, AGE],
  ServiceEntry: [
    { header: 'HOSTS', value: (r) => json(spec(r).hosts) },
    { header: 'LOCATION', value: (r) => json(spec(r).location) },
    { header: 'RESOLUTION', value: (r) => json(spec(r).resolution) },
    AGE,
  ],
  WorkloadEntry: [AGE, { header: 'ADDRESS', value: (r) => json(spec(r).address) }],
  AuthorizationPolicy: [{ header: 'ACTION', value: (r) => json(spec(r).action) }, AGE],
  PeerAuthentication: [{ header: 'MODE', value: (r) => json((spec(r).mtls as Spec | undefined)?.mode) }, AGE],
  Service: [
    { header: 'TYPE', value: (r) => json(spec(r).type ?? 'ClusterIP') },
    { header: 'CLUSTER-IP', value: (r) => json(spec(r).clusterIP ?? '<none>') },
    { header: 'EXTERNAL-IP', value: (r) => (Array.isArray(spec(r).externalIPs) ? (spec(r).externalIPs as string[]).join(',') : '<none>') },
    { header: 'PORT(S)', value: servicePorts },
    AGE,
    { header: 'SELECTOR', wide: true, value: (r) => Object.entries((spec(r).selector ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',') || '<none>' },
  ],
  Namespace: [{ header: 'STATUS', value: () => 'Active' }, AGE],
  ConfigMap: [{ header: 'DATA', value: (r) => String(Object.keys((r.data ?? {}) as object).length + Object.keys((r.binaryData ?? {}) as object).length) }, AGE],
  Secret: [
    { header: 'TYPE', value: (r) => json(r.type ?? 'Opaque') },
    { header: 'DATA', value: (r) => String(new Set([...Object.keys((r.data ?? {}) as object), ...Object.keys((r.stringData ?? {}) as object)]).size) },
    AGE,
  ],
};

function servicePorts(r: Resource): string {
  const ports = spec(r).ports;
  if (!Array.isArray(ports) || ports.length === 0) return '<none>';
  return ports.map((p: Spec) => `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ''}/${typeof p.protocol === 'string' ? p.protocol : 'TCP'}`).join(',');
}

/** Options of `renderTable`. */
export interface TableOptions {
  /** Adds the NAMESPACE column (`-A`). */
  allNamespaces: boolean;
  wide: boolean;
  /** "Now", for AGE (tests pin it). */
  now?: number;
}

/** The table `plexus get` prints, as kubectl lays it out: columns padded to the widest cell plus three spaces. */
export function renderTable(def: KindDefinition<never>, items: readonly Resource[], options: TableOptions): string {
  const now = options.now ?? Date.now();
  const age: Column = {
    header: AGE,
    value: (r) => {
      const t = Date.parse(String(r.metadata.creationTimestamp ?? ''));
      return Number.isNaN(t) ? '<unknown>' : humanAge(now - t);
    },
  };
  const columns: Column[] = [];
  if (options.allNamespaces && def.namespaced) columns.push({ header: 'NAMESPACE', value: (r) => r.metadata.namespace ?? '' });
  columns.push({ header: 'NAME', value: (r) => r.metadata.name });
  for (const c of COLUMNS[def.kind] ?? [AGE]) {
    if (c === AGE) columns.push(age);
    else if (!c.wide || options.wide) columns.push(c);
  }
  const rows = [columns.map((c) => c.header), ...items.map((r) => columns.map((c) => c.value(r)))];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] + 3))).join('').trimEnd()).join('\n') + '\n';
}
