import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Diagnostic } from '../api/diagnostic.js';
import { PlexusError } from '../api/errors.js';
import type { Resource } from '../api/resource.js';
import { validateResource } from '../api/validate.js';
import type { ApplyOptions, ApplyResult, ResourceId, StoreEvent } from './store.js';
import {
  deepFreeze, describeId, idKey, idOf, kubeTimestamp, normalizeId, normalizeIncoming, sameContent, specChanged,
} from './store-object.js';

/** A change about to be committed; a durable backend writes it before anyone can see it. */
export type StoreMutation =
  | { type: 'put'; id: ResourceId; resource: Resource; previous?: Resource }
  | { type: 'delete'; id: ResourceId; previous: Resource };

/** What a backend plugs into the core. */
export interface StoreCoreOptions {
  logger: Logger;
  /** Makes a mutation durable; if it throws, the mutation is not committed. */
  persist?(mutation: StoreMutation): Promise<void>;
  /** Called with each new revision before it is used (the directory store persists a high-water mark). */
  reserveRevision?(revision: number): Promise<void>;
}

/**
 * The in-memory index, versioning, validation and watch fan-out shared by every backend.
 * Writes run one at a time (`serial`); reads see only committed objects. Stored objects are
 * deep-frozen, so they are handed out without copies.
 */
export class StoreCore {
  private readonly objects = new Map<string, Resource>();
  private readonly watchers = new Set<(event: StoreEvent) => void>();
  private tail: Promise<unknown> = Promise.resolve();
  private revision = 0;

  constructor(private readonly options: StoreCoreOptions) {}

  /** Runs `fn` after every earlier queued operation has finished. */
  serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Raises the revision counter so new versions sort after `revision` (used when loading). */
  raiseRevision(revision: number): void {
    if (revision > this.revision) this.revision = revision;
  }

  get currentRevision(): number {
    return this.revision;
  }

  get(id: ResourceId): Resource | undefined {
    return this.objects.get(idKey(normalizeId(id)));
  }

  list(filter: { group?: string; kind?: string; namespace?: string } = {}): Resource[] {
    const out: Resource[] = [];
    for (const r of this.objects.values()) {
      const id = idOf(r);
      if (filter.group !== undefined && id.group !== filter.group) continue;
      if (filter.kind !== undefined && id.kind !== filter.kind) continue;
      if (filter.namespace !== undefined && id.namespace !== filter.namespace) continue;
      out.push(r);
    }
    const sortKey = (r: Resource): string => `${r.kind}\0${r.metadata.namespace ?? ''}\0${r.metadata.name}`;
    return out.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  }

  apply(input: Resource, options: ApplyOptions = {}): Promise<ApplyResult> {
    return this.serial(async () => {
      const checked = checkWrite(input);
      if ('diagnostics' in checked) return { outcome: 'invalid', diagnostics: checked.diagnostics };
      const { next, warnings } = checked;
      const id = idOf(next);
      const existing = this.objects.get(idKey(id));
      if (options.expectedVersion !== undefined && existing?.metadata.resourceVersion !== options.expectedVersion) {
        return { outcome: 'conflict', message: conflictMessage(id, existing, options.expectedVersion) };
      }
      if (existing && sameContent(existing, next)) return withWarnings({ outcome: 'unchanged', resource: existing }, warnings);
      const outcome = existing ? 'configured' : 'created';
      const stored = arrange(next, {
        uid: (existing?.metadata.uid as string | undefined) ?? randomUUID(),
        creationTimestamp: existing?.metadata.creationTimestamp ?? kubeTimestamp(),
        generation: existing ? (existing.metadata.generation ?? 1) + (specChanged(existing, next) ? 1 : 0) : 1,
        resourceVersion: options.dryRun ? existing?.metadata.resourceVersion : await this.nextVersion(),
      });
      if (options.dryRun) return withWarnings({ outcome, resource: deepFreeze(stored) }, warnings);
      await this.commit({ type: 'put', id, resource: stored, previous: existing });
      return withWarnings({ outcome, resource: stored }, warnings);
    });
  }

  delete(id: ResourceId, options: { expectedVersion?: string } = {}): Promise<boolean> {
    return this.serial(async () => {
      const nid = normalizeId(id);
      const existing = this.objects.get(idKey(nid));
      if (!existing) return false;
      if (options.expectedVersion !== undefined && existing.metadata.resourceVersion !== options.expectedVersion) {
        throw new PlexusError('PLEXUS_ERR_CONFLICT', conflictMessage(nid, existing, options.expectedVersion));
      }
      await this.commit({ type: 'delete', id: nid, previous: existing });
      return true;
    });
  }

  /**
   * Takes in an object that changed outside the API (a file edited by hand, or read at
   * start-up). It must already be valid and normalized. Server fields found on it are kept
   * when `keepVersion` (start-up), otherwise a new resourceVersion is assigned. Call inside
   * `serial`. Resolves the event it caused, if any.
   */
  async ingest(r: Resource, keepVersion: boolean): Promise<StoreEvent | undefined> {
    const id = idOf(r);
    const existing = this.objects.get(idKey(id));
    if (existing && sameContent(existing, r)) return undefined;
    const m = r.metadata;
    const fileVersion = typeof m.resourceVersion === 'string' && /^[1-9]\d{0,15}$/.test(m.resourceVersion) ? m.resourceVersion : undefined;
    if (keepVersion && fileVersion) this.raiseRevision(Number(fileVersion));
    const stored = deepFreeze(arrange(r, {
      uid: typeof m.uid === 'string' ? m.uid : (existing?.metadata.uid as string | undefined) ?? randomUUID(),
      creationTimestamp: typeof m.creationTimestamp === 'string' ? m.creationTimestamp : existing?.metadata.creationTimestamp ?? kubeTimestamp(),
      generation: existing
        ? (existing.metadata.generation ?? 1) + (specChanged(existing, r) ? 1 : 0)
        : typeof m.generation === 'number' && m.generation > 0 ? m.generation : 1,
      resourceVersion: keepVersion && fileVersion ? fileVersion : await this.nextVersion(),
    }));
    this.objects.set(idKey(id), stored);
    return this.emit({ type: existing ? 'modified' : 'added', resource: stored });
  }

  /** Forgets an object removed outside the API (its file was deleted). Call inside `serial`. */
  remove(id: ResourceId): StoreEvent | undefined {
    const key = idKey(normalizeId(id));
    const existing = this.objects.get(key);
    if (!existing) return undefined;
    this.objects.delete(key);
    return this.emit({ type: 'deleted', resource: existing });
  }

  watch(handler: (event: StoreEvent) => void): () => void {
    // A wrapper per call, so the same function can be subscribed twice and unsubscribed once.
    const h = (e: StoreEvent): void => handler(e);
    this.watchers.add(h);
    return () => void this.watchers.delete(h);
  }

  /** Drops every watcher; writes already queued still finish. */
  async close(): Promise<void> {
    this.watchers.clear();
    await this.tail;
  }

  private async nextVersion(): Promise<string> {
    const next = this.revision + 1;
    await this.options.reserveRevision?.(next);
    this.revision = next;
    return String(next);
  }

  private async commit(mutation: StoreMutation): Promise<void> {
    await this.options.persist?.(mutation);
    const key = idKey(mutation.id);
    if (mutation.type === 'put') {
      deepFreeze(mutation.resource);
      this.objects.set(key, mutation.resource);
      this.emit({ type: mutation.previous ? 'modified' : 'added', resource: mutation.resource });
    } else {
      this.objects.delete(key);
      this.emit({ type: 'deleted', resource: mutation.previous });
    }
  }

  private emit(event: StoreEvent): StoreEvent {
    for (const h of [...this.watchers]) {
      try {
        h(event);
      } catch (err) {
        // One broken watcher must not stop the others or fail a write that is already durable.
        this.options.logger.error({ err }, 'config store watcher threw');
      }
    }
    return event;
  }
}

/** Validates a write and, when it may proceed, normalizes it. */
function checkWrite(input: Resource): { next: Resource; warnings: Diagnostic[] } | { diagnostics: Diagnostic[] } {
  const result = validateResource(input);
  const diagnostics = [...result.diagnostics];
  const name = (input as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  if (result.definition && (typeof name !== 'string' || name === '') && !diagnostics.some((d) => d.path === 'metadata.name')) {
    diagnostics.push({ severity: 'error', path: 'metadata.name', message: 'metadata.name is required (generateName is not supported)' });
  }
  if (!result.valid || !result.definition || diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  return { next: normalizeIncoming(input, result.definition), warnings: diagnostics.filter((d) => d.severity === 'warning') };
}

function withWarnings<T extends ApplyResult>(result: T, warnings: Diagnostic[]): T {
  return warnings.length > 0 ? { ...result, warnings } : result;
}

function conflictMessage(id: ResourceId, existing: Resource | undefined, expected: string): string {
  return existing
    ? `the object has been modified: ${describeId(id)} is at resourceVersion ${existing.metadata.resourceVersion ?? '?'}, not ${expected}; read it again and retry`
    : `${describeId(id)} does not exist (the write expected resourceVersion ${expected})`;
}

/** The stored form: server fields set, keys in the order people expect to read them. */
function arrange(r: Resource, server: { uid: string; creationTimestamp: string; generation: number; resourceVersion?: string }): Resource {
  const { apiVersion, kind, metadata, spec, ...rest } = r;
  const { name, namespace, labels, annotations, ...otherMeta } = metadata;
  for (const f of ['uid', 'creationTimestamp', 'generation', 'resourceVersion']) delete otherMeta[f];
  const meta: Resource['metadata'] = { name };
  if (namespace !== undefined) meta.namespace = namespace;
  meta.uid = server.uid;
  if (server.resourceVersion !== undefined) meta.resourceVersion = server.resourceVersion;
  meta.generation = server.generation;
  meta.creationTimestamp = server.creationTimestamp;
  if (labels !== undefined) meta.labels = labels;
  if (annotations !== undefined) meta.annotations = annotations;
  Object.assign(meta, otherMeta);
  const out: Resource = { apiVersion, kind, metadata: meta, spec };
  if (spec === undefined) delete (out as Partial<Resource>).spec;
  return Object.assign(out, rest);
}
