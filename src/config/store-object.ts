import { kindDefinition } from '../api/kinds/registry.js';
import type { KindDefinition } from '../api/kinds/kind.js';
import { splitApiVersion, type Resource } from '../api/resource.js';
import type { ResourceId } from './store.js';

/** Namespace given to namespaced objects that name none, as kubectl does. */
export const DEFAULT_NAMESPACE = 'default';

/** Metadata fields the store owns; whatever a client sends for them is replaced. */
const SERVER_FIELDS = ['resourceVersion', 'generation', 'creationTimestamp', 'uid', 'managedFields', 'selfLink'] as const;

/**
 * The identity of `id` with defaults applied: `default` namespace for namespaced kinds, no
 * namespace for cluster-scoped ones. Unknown kinds keep the namespace they were given.
 */
export function normalizeId(id: ResourceId): ResourceId {
  const def = kindDefinition(id.group, id.kind);
  if (def && !def.namespaced) return { group: id.group, kind: id.kind, name: id.name };
  return { group: id.group, kind: id.kind, namespace: id.namespace || DEFAULT_NAMESPACE, name: id.name };
}

/** The identity of a stored (already normalized) resource. */
export function idOf(r: Resource): ResourceId {
  const { group } = splitApiVersion(r.apiVersion);
  return r.metadata.namespace === undefined
    ? { group, kind: r.kind, name: r.metadata.name }
    : { group, kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name };
}

/** Map key of an identity; call it on normalized ids only. */
export function idKey(id: ResourceId): string {
  return `${id.group}/${id.kind}/${id.namespace ?? ''}/${id.name}`;
}

/** `Kind ns/name` or `Kind name`, for logs and messages. */
export function describeId(id: ResourceId): string {
  return id.namespace ? `${id.kind} ${id.namespace}/${id.name}` : `${id.kind} ${id.name}`;
}

/**
 * The object as a client means it, ready to store: a deep copy without `status` and without
 * server-owned metadata, with the namespace defaulted (namespaced kinds) or dropped
 * (cluster-scoped kinds, as the Kubernetes API server does).
 */
export function normalizeIncoming(input: Resource, def: KindDefinition<never>): Resource {
  const r = structuredClone(input);
  delete r.status;
  const meta = r.metadata;
  for (const f of SERVER_FIELDS) delete meta[f];
  if (def.namespaced) meta.namespace = meta.namespace || DEFAULT_NAMESPACE;
  else delete meta.namespace;
  return r;
}

/** True when two objects say the same thing; server fields and the apiVersion's version do not count. */
export function sameContent(a: Resource, b: Resource): boolean {
  return canonical(userContent(a)) === canonical(userContent(b));
}

/** True when anything outside `metadata` and `status` differs, which is what bumps `generation`. */
export function specChanged(a: Resource, b: Resource): boolean {
  const strip = (r: Resource): unknown => {
    const { metadata: _m, status: _s, apiVersion: _v, ...rest } = r;
    return rest;
  };
  return canonical(strip(a)) !== canonical(strip(b));
}

function userContent(r: Resource): unknown {
  const { status: _s, apiVersion, ...rest } = r;
  const metadata: Record<string, unknown> = { ...r.metadata };
  for (const f of SERVER_FIELDS) delete metadata[f];
  return { ...rest, group: splitApiVersion(apiVersion).group, metadata };
}

/** JSON with object keys sorted, so that key order never makes two equal objects differ. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  });
}

/** Freezes an object graph so that stored objects can be handed out without copying. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** `2024-05-01T12:00:00Z`: the timestamp format of Kubernetes metadata (whole seconds). */
export function kubeTimestamp(d: Date = new Date()): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
