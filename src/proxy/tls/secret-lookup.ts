import type { ProxySnapshot, SecretConfig } from '../config/model.js';

/** Finds an SDS secret by name; undefined when it has not arrived (yet). */
export type SecretLookup = (name: string) => SecretConfig | undefined;

/**
 * Secrets as the data plane sees them: local ones (the agent's `default` and `ROOTCA`, which
 * Istio's agent serves over its local SDS socket) take precedence over those in the snapshot
 * (gateway credentials, inline material).
 */
export function snapshotSecretLookup(snapshot: ProxySnapshot, local?: SecretLookup): SecretLookup {
  return (name) => local?.(name) ?? snapshot.secrets.get(name);
}
