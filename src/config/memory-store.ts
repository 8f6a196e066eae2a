import { pino, type Logger } from 'pino';
import { CoreBackedStore } from './core-backed-store.js';

/** Options of the in-memory store. */
export interface MemoryConfigStoreOptions {
  logger?: Logger;
}

/**
 * A config store that keeps everything in memory: for tests, and for embedding Plexus where
 * another system owns persistence. Same validation, versioning and events as every backend.
 */
export class MemoryConfigStore extends CoreBackedStore {
  constructor(options: MemoryConfigStoreOptions = {}) {
    super(options.logger ?? pino({ name: 'config-store', level: 'warn' }, pino.destination(2)));
  }
}
