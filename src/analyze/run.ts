import { kindDefinition } from '../api/kinds/registry.js';
import { splitApiVersion, type SourcedResource } from '../api/resource.js';
import type { Analyzer } from './analyzer.js';
import { ALL_ANALYZERS } from './all-analyzers.js';
import { AnalysisContext } from './context.js';
import { defaultEntries } from './defaults.js';
import type { ResourceEntry } from './entry.js';
import { obj, str, stringMap } from './fields.js';
import { LEVELS } from './level.js';
import { meshView } from './mesh.js';
import { MESSAGE_TYPES } from './message-types.js';
import { renderMessage, type AnalysisMessage } from './message.js';
import { isSuppressed, type Suppression } from './suppression.js';

/** How to run an analysis. */
export interface AnalyzeOptions {
  /** Namespace for resources that name none, and the only one reported on (default `default`). */
  namespace?: string;
  /** Report on every namespace (`-A`). */
  allNamespaces?: boolean;
  /** Namespace of the Istio control plane, where the default ingress gateway lives (`istio-system`). */
  istioNamespace?: string;
  /** MeshConfig that overrides any found in the input (`--meshConfigFile`). */
  meshConfig?: Record<string, unknown>;
  suppressions?: readonly Suppression[];
  /** Analyzers to run; all of them by default. */
  analyzers?: readonly Analyzer[];
}

/** What an analysis found: messages sorted and deduplicated as istioctl does. */
export interface AnalysisResult {
  messages: AnalysisMessage[];
  /** Names of the analyzers that ran. */
  executed: string[];
}

/** Kinds without a namespace that Plexus may meet but does not define. */
const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'PersistentVolume', 'StorageClass', 'GatewayClass']);

/** Turns a loaded resource into what analyzers read; undefined for documents that are not objects with a kind. */
export function toEntry(r: SourcedResource, defaultNamespace: string): ResourceEntry | undefined {
  const res = obj(r.resource);
  const kind = str(res?.kind);
  if (!res || !kind) return undefined;
  const { group, version } = splitApiVersion(str(res.apiVersion) ?? '');
  const meta = obj(res.metadata) ?? {};
  const def = kindDefinition(group, kind);
  const namespaced = def ? def.namespaced : !CLUSTER_SCOPED.has(kind);
  return {
    kind,
    group,
    version,
    name: str(meta.name) ?? '',
    namespace: namespaced ? str(meta.namespace) || defaultNamespace : '',
    resource: r.resource,
    spec: obj(res.spec) ?? {},
    labels: stringMap(meta.labels),
    annotations: stringMap(meta.annotations),
    source: r.source,
  };
}

/** Codes that both validation and an analyzer find; one message per field is enough. */
const ONE_PER_FIELD = new Set(['IST0002', 'IST0130', 'IST0131', 'IST0134']);

/**
 * Validation warnings often restate what an analyzer reports more precisely at the same field
 * (a deprecated field, an unreachable rule, a ServiceEntry without addresses): keep the
 * precise message, as Istio maps such warnings to their own codes.
 */
function dropOverlaps(messages: readonly AnalysisMessage[]): AnalysisMessage[] {
  const at = (m: AnalysisMessage): string => `${m.entry ? `${m.entry.kind}|${m.entry.namespace}|${m.entry.name}` : m.file}|${m.path ?? ''}`;
  const precise = new Set(messages.filter((m) => m.type.code !== 'IST0133' && m.type.code !== 'IST0106').map(at));
  const seen = new Set<string>();
  return messages.filter((m) => {
    if (m.type.code === 'IST0133' && precise.has(at(m))) return false;
    if (!ONE_PER_FIELD.has(m.type.code)) return true;
    const key = `${m.type.code}|${at(m)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function compare(a: AnalysisMessage, b: AnalysisMessage): number {
  const byLevel = LEVELS.indexOf(a.type.level) - LEVELS.indexOf(b.type.level);
  if (byLevel !== 0) return byLevel;
  if (a.type.code !== b.type.code) return a.type.code < b.type.code ? -1 : 1;
  if (!a.entry !== !b.entry) return a.entry ? 1 : -1;
  if (a.entry && b.entry) {
    const ka = `${a.entry.kind}/${a.entry.namespace}/${a.entry.name}`;
    const kb = `${b.entry.kind}/${b.entry.namespace}/${b.entry.name}`;
    if (ka !== kb) return ka < kb ? -1 : 1;
  }
  const sa = renderMessage(a);
  const sb = renderMessage(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/**
 * Runs the analyzers over a set of resources. The mesh config comes from `options.meshConfig`,
 * else a MeshConfig in the input (a bare file or the `istio` ConfigMap), else Istio's defaults.
 * Messages about resources outside the selected namespace are dropped (unless allNamespaces),
 * suppressions applied, then the rest sorted and deduplicated.
 */
export function analyzeResources(resources: readonly SourcedResource[], options: AnalyzeOptions = {}): AnalysisResult {
  const namespace = options.namespace || 'default';
  // The same object in several files is one object: the last definition wins, as when applied in order.
  const byKey = new Map<string, ResourceEntry>();
  for (const r of resources) {
    const e = toEntry(r, namespace);
    if (!e) continue;
    const key = `${e.group}/${e.kind}|${e.namespace}|${e.name}`;
    byKey.delete(key);
    byKey.set(key, e);
  }
  const entries = [...byKey.values()];
  const fromInput = entries.find((e) => e.kind === 'MeshConfig');
  const mesh = meshView(options.meshConfig ?? fromInput?.spec);
  const all = [...entries, ...defaultEntries(mesh, options.istioNamespace || 'istio-system')];
  const ctx = new AnalysisContext(all, mesh, namespace);
  const analyzers = options.analyzers ?? ALL_ANALYZERS;
  const raw: AnalysisMessage[] = [];
  for (const a of analyzers) {
    const before = ctx.messages.length;
    try {
      a.analyze(ctx);
    } catch (err) {
      // One broken analyzer must not hide the others' findings.
      ctx.report({ type: MESSAGE_TYPES.InternalError, params: [`analyzer ${a.name} failed: ${(err as Error).message}`] });
    }
    for (const m of ctx.messages.slice(before)) raw.push({ ...m, analyzer: a.name });
  }
  const kept = raw.filter((m) => {
    if (m.entry?.synthetic) return false;
    if (!options.allNamespaces && m.entry && m.entry.namespace !== '' && m.entry.namespace !== namespace) return false;
    return !isSuppressed(m, options.suppressions ?? []);
  });
  const precise = dropOverlaps(kept);
  precise.sort(compare);
  const messages = precise.filter((m, i) => i === 0 || renderMessage(m) !== renderMessage(precise[i - 1]));
  return { messages, executed: analyzers.map((a) => a.name) };
}
