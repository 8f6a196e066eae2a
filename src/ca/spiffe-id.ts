/** A workload identity: what the CA puts into a certificate's URI SAN. */
export interface WorkloadIdentity {
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

/** Istio's default trust domain. */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

// Kubernetes names: namespaces are DNS labels, service accounts DNS subdomains.
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;

/** True when the parts are names Kubernetes (and so Istio) would accept. */
export function isValidIdentity(id: WorkloadIdentity): boolean {
  return TRUST_DOMAIN.test(id.trustDomain) && LABEL.test(id.namespace) && SUBDOMAIN.test(id.serviceAccount);
}

/** `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`. */
export function spiffeUri(id: WorkloadIdentity): string {
  return `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

/** Parses a SPIFFE URI of the Istio shape; undefined for anything else. */
export function parseSpiffeUri(uri: string): WorkloadIdentity | undefined {
  const m = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(uri);
  if (!m) return undefined;
  const id = { trustDomain: m[1], namespace: m[2], serviceAccount: m[3] };
  return isValidIdentity(id) ? id : undefined;
}

/** The SPIFFE URIs in a Node `subjectaltname` string (`URI:spiffe://…, DNS:…`). */
export function spiffeUrisFromSubjectAltName(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName.split(/,\s*/).filter((s) => s.startsWith('URI:spiffe://')).map((s) => s.slice(4));
}
