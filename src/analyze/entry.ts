import type { Resource, SourceRef } from '../api/resource.js';

/**
 * A resource as analyzers see it: its kind, its effective namespace (the `-n` namespace when
 * the document gave none) and where it was read from.
 */
export interface ResourceEntry {
  kind: string;
  /** API group (`` for core). */
  group: string;
  version: string;
  name: string;
  /** Effective namespace; `` for cluster-scoped kinds. */
  namespace: string;
  resource: Resource;
  /** The spec, or {} when the document had none or it was not a mapping. */
  spec: Record<string, unknown>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  source?: SourceRef;
  /** True for resources Plexus adds itself (the default ingress gateway of files-only analysis). */
  synthetic?: boolean;
}

/** `namespace/name`, or `name` when cluster-scoped: how messages and Istio name a resource. */
export function fullName(e: Pick<ResourceEntry, 'namespace' | 'name'>): string {
  return e.namespace ? `${e.namespace}/${e.name}` : e.name;
}
