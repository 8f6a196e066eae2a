import type { Diagnostic } from '../api/diagnostic.js';
import type { Resource } from '../api/resource.js';

/** Identifies one stored object. `group` is the API group (`` for core v1). */
export interface ResourceId {
  group: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** A change seen by watchers, after it is durable. */
export interface StoreEvent {
  type: 'added' | 'modified' | 'deleted';
  /** The object after the change (for `deleted`, as it was before). */
  resource: Resource;
}

export interface ApplyOptions {
  /** Validate and report, change nothing. */
  dryRun?: boolean;
  /** Optimistic concurrency: fail with a conflict unless the stored version equals this. */
  expectedVersion?: string;
}

/** Outcome of an apply: `created`, `configured`, `unchanged`, or refused with the reasons. */
export type ApplyResult =
  | { outcome: 'created' | 'configured' | 'unchanged'; resource: Resource; warnings?: readonly Diagnostic[] }
  | { outcome: 'invalid'; diagnostics: readonly Diagnostic[] }
  | { outcome: 'conflict'; message: string };

/**
 * The one config store interface. Backends: memory (tests), directory (local mode), etcd
 * (multi-host, later). Every method is async so a networked backend fits without changing
 * callers. Every write is validated; a refused write changes nothing. Stored objects carry
 * `metadata.resourceVersion` (opaque, changes on every write) and `metadata.generation`.
 */
export interface ConfigStore {
  get(id: ResourceId): Promise<Resource | undefined>;
  /** Objects of one kind (all kinds when omitted), optionally in one namespace. */
  list(filter?: { group?: string; kind?: string; namespace?: string }): Promise<Resource[]>;
  apply(resource: Resource, options?: ApplyOptions): Promise<ApplyResult>;
  /** Deletes; resolves false when there was nothing to delete. */
  delete(id: ResourceId, options?: { expectedVersion?: string }): Promise<boolean>;
  /** Calls `handler` for every change after this call; returns the unsubscribe function. */
  watch(handler: (event: StoreEvent) => void): () => void;
  close(): Promise<void>;
}
