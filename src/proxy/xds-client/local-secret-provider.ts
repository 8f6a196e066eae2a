import type { SecretConfig } from '../config/model.js';

/**
 * Secrets the agent supplies itself (the workload certificate `default` and the trust bundle
 * `ROOTCA`, from its own CSR flow). For the names it lists, SDS is never asked; the snapshot
 * warms until `get` returns the secret, and is rebuilt when `onChange` fires (rotation).
 */
export interface LocalSecretProvider {
  /** The secret names this provider answers for. */
  readonly names: readonly string[];
  /** The current secret, or undefined while it is not yet available. */
  get(name: string): SecretConfig | undefined;
  /** Registers a listener for changes of any of its secrets; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}
