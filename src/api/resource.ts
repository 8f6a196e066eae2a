/** Object metadata as Kubernetes and Istio define it (the subset Plexus uses). */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  [extra: string]: unknown;
}

/** Where a resource came from: the file and the line of each field path, for error messages. */
export interface SourceRef {
  /** File name as given by the user, or `-` for stdin. */
  file: string;
  /** Line (1-based) of the document's first line. */
  line: number;
  /** Line of a field path such as `spec.http[0].route`; falls back to the nearest ancestor. */
  lineOf(path: string): number;
}

/** One configuration object: an Istio kind, a core Kubernetes kind, or MeshConfig. */
export interface Resource<Spec = Record<string, unknown>> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  /** Any other top-level fields (for example `data` of a ConfigMap, `status`). */
  [extra: string]: unknown;
}

/** A resource together with where it was read from. */
export interface SourcedResource<Spec = Record<string, unknown>> {
  resource: Resource<Spec>;
  source?: SourceRef;
}

/** `namespace/name`, or `name` for cluster-scoped kinds. */
export function resourceKey(r: Resource<unknown>): string {
  return r.metadata.namespace ? `${r.metadata.namespace}/${r.metadata.name}` : r.metadata.name;
}

/** Splits an apiVersion into group and version (`v1` has the empty group). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
