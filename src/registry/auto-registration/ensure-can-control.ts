import type { Resource } from '../../api/resource.js';
import { PlexusError } from '../../api/errors.js';

/** The namespace and service account a proxy proved with its mesh client certificate. */
export interface VerifiedWorkloadIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/**
 * istiod's rule for a proxy that registers or controls a WorkloadEntry: the entry must be in the
 * proxy's verified namespace and, when it names a service account, run as the verified one.
 * Throws a PlexusError (`PLEXUS_ERR_REGISTRATION_REFUSED`) that says which part differs.
 */
export function ensureProxyCanControlEntry(identity: VerifiedWorkloadIdentity | undefined, entry: Resource<unknown>): void {
  const where = `WorkloadEntry ${entry.metadata.namespace ?? 'default'}/${entry.metadata.name}`;
  if (!identity) throw new PlexusError('PLEXUS_ERR_REGISTRATION_REFUSED', `registration of ${where} requires a verified identity`);
  const namespace = entry.metadata.namespace ?? 'default';
  if (identity.namespace !== namespace) {
    throw new PlexusError('PLEXUS_ERR_REGISTRATION_REFUSED', `registration of ${where} refused: namespace mismatch: the certificate is ${JSON.stringify(identity.namespace)}`);
  }
  const sa = (entry.spec as { serviceAccount?: unknown } | undefined)?.serviceAccount;
  if (typeof sa === 'string' && sa !== '' && sa !== identity.serviceAccount) {
    throw new PlexusError('PLEXUS_ERR_REGISTRATION_REFUSED', `registration of ${where} refused: service account mismatch: the certificate is ${JSON.stringify(identity.serviceAccount)}, the entry runs as ${JSON.stringify(sa)}`);
  }
}
