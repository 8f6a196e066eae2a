import { pino, type Logger } from 'pino';
import type { Resource } from '../api/resource.js';
import type { ApplyOptions, ApplyResult, ConfigStore, ResourceId, StoreEvent } from './store.js';
import { StoreCore } from './store-core.js';

/** Options of the in-memory store. */
export interface MemoryConfigStoreOptions {
  logger?: Logger;
}

/**
 * A config store that keeps everything in memory: for tests, and for embedding Plexus where
 * another system owns persistence. Same validation, versioning and events as every backend.
 */
export class MemoryConfigStore implements ConfigStore {
  private readonly core: StoreCore;

  constructor(options: MemoryConfigStoreOptions = {}) {
    this.core = new StoreCore({ logger: options.logger ?? pino({ name: 'config-store', level: 'warn' }, pino.destination(2)) });
  }

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
