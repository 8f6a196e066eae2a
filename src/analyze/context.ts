import { kindsNamed } from '../api/kinds/registry.js';
import type { ResourceEntry } from './entry.js';
import { toFqdn } from './hosts.js';
import type { AnalysisMessage } from './message.js';
import type { MeshView } from './mesh.js';
import { ServiceIndex } from './service-index.js';
import { workloadsOf, type Workload } from './workloads.js';

/**
 * What analyzers see: every resource indexed by kind and name, the mesh config, and the
 * places they report to. One context per analysis run.
 */
export class AnalysisContext {
  private readonly byKind = new Map<string, ResourceEntry[]>();
  private readonly byName = new Map<string, ResourceEntry>();
  private readonly sink: AnalysisMessage[] = [];
  private services?: ServiceIndex;
  private workloadList?: Workload[];

  constructor(
    readonly entries: readonly ResourceEntry[],
    readonly mesh: MeshView,
    /** Namespace given to resources that name none (`-n`, `default`). */
    readonly defaultNamespace: string,
  ) {
    for (const e of entries) {
      const list = this.byKind.get(e.kind) ?? [];
      list.push(e);
      this.byKind.set(e.kind, list);
      const key = `${e.kind}|${e.namespace}|${e.name}`;
      if (!this.byName.has(key)) this.byName.set(key, e);
    }
  }

  /**
   * Resources of a kind, in input order. When Plexus knows the kind, only its API group counts,
   * so Gateway API's `Gateway` is not taken for Istio's.
   */
  list(kind: string): ResourceEntry[] {
    const groups = new Set(kindsNamed(kind).map((d) => d.group));
    const all = this.byKind.get(kind) ?? [];
    return groups.size === 0 ? all : all.filter((e) => groups.has(e.group));
  }

  /** The resource of a kind with this namespace and name. */
  find(kind: string, namespace: string, name: string): ResourceEntry | undefined {
    const e = this.byName.get(`${kind}|${namespace}|${name}`);
    if (!e) return undefined;
    const groups = new Set(kindsNamed(kind).map((d) => d.group));
    return groups.size === 0 || groups.has(e.group) ? e : undefined;
  }

  /** `reviews` in `default` → `reviews.default.svc.cluster.local`. */
  fqdn(host: string, namespace: string): string {
    return toFqdn(host, namespace);
  }

  /** Services and ServiceEntry hosts with Istio's visibility rules (built once). */
  serviceIndex(): ServiceIndex {
    this.services ??= new ServiceIndex(this.list('Service'), this.list('ServiceEntry'));
    return this.services;
  }

  /** Pods, WorkloadEntries and controllers' pod templates. */
  workloads(): Workload[] {
    this.workloadList ??= this.entries.flatMap(workloadsOf);
    return this.workloadList;
  }

  /**
   * True when the input holds workloads of its own. Selector checks are skipped otherwise, as
   * istioctl skips analyzers whose inputs are absent: config-only files would all fail them.
   */
  hasWorkloads(): boolean {
    return this.workloads().some((w) => !w.entry.synthetic);
  }

  /** Records a finding. */
  report(m: AnalysisMessage): void {
    this.sink.push(m);
  }

  /** Everything reported so far. */
  get messages(): readonly AnalysisMessage[] {
    return this.sink;
  }
}
