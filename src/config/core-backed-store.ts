import type { Logger } from 'pino';
import type { Resource } from '../api/resource.js';
import type { ApplyOptions, ApplyResult, ConfigStore, ResourceId, StoreEvent } from './store.js';
import { StoreCore, type StoreMutation } from './store-core.js';

/**
 * A ConfigStore whose reads, writes and watches are those of a StoreCore. A durable backend
 * implements `persist` and `reserveRevision`; the core calls them before it commits.
 */
export abstract class CoreBackedStore implements ConfigStore {
  protected readonly core: StoreCore;

  protected constructor(logger: Logger) {
    this.core = new StoreCore({
      logger,
      persist: this.persist && ((m) => this.persist!(m)),
      reserveRevision: this.reserveRevision && ((n) => this.reserveRevision!(n)),
    });
  }

  /** Makes a mutation durable before it is committed (only durable backends have this). */
  protected persist?(mutation: StoreMutation): Promise<void>;

  /** Called with each new revision before it is used (only durable backends have this). */
  protected reserveRevision?(revision: number): Promise<void>;

  async get(id: ResourceId): Promise<Resource | undefined> {
    return this.core.get(id);
  }

  async list(filter?: { group?: string; kind?: string; namespace?: string }): Promise<Resource[]> {
    return this.core.list(filter);
  }

  apply(resource: Resource, options?: ApplyOptions): Promise<ApplyResult> {
    return this.core.apply(resource, options);
  }

  delete(id: ResourceId, options?: { expectedVersion?: string }): Promise<boolean> {
    return this.core.delete(id, options);
  }

  watch(handler: (event: StoreEvent) => void): () => void {
    return this.core.watch(handler);
  }

  close(): Promise<void> {
    return this.core.close();
  }
}
