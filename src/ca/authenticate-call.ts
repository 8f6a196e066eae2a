import type { Metadata } from '@grpc/grpc-js';
import { CaRefusal } from './ca-refusal.js';
import type { CertificateAuthority } from './certificate-authority.js';
import type { WorkloadIdentity } from './spiffe-id.js';
import type { BoundWorkload } from './workload-token.js';

/** Who the caller proved to be, and how. */
export interface AuthenticatedCaller {
  identity: WorkloadIdentity;
  method: 'token' | 'certificate';
  /** The workload a token was minted for: the CA checks that it is still registered. */
  workload?: BoundWorkload;
}

/** The bearer token in `authorization` metadata, or undefined when there is none. */
export function bearerToken(metadata: Metadata): string | undefined {
  const values = metadata.get('authorization');
  if (values.length === 0) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(String(values[0]));
  if (!m) throw new CaRefusal('malformed-token', 'authorization metadata is not "Bearer <token>"');
  return m[1];
}

/**
 * Authenticates a CSR call. A bearer token, when present, decides alone (a bad token is refused
 * even on a TLS connection with a client certificate, so a stolen connection cannot launder a
 * forged token); otherwise a still-valid mesh certificate presented on a TLS port may renew
 * itself, when the server enables that.
 */
export function authenticateCall(ca: CertificateAuthority, metadata: Metadata, peerCertDer: Buffer | undefined, allowPeerCertificate: boolean): AuthenticatedCaller {
  const token = bearerToken(metadata);
  if (token !== undefined) {
    const verified = ca.verifyWorkloadTokenClaims(token);
    return { identity: verified.identity, method: 'token', ...(verified.workload ? { workload: verified.workload } : {}) };
  }
  if (allowPeerCertificate && peerCertDer) return { identity: ca.identityFromPeerCertificate(peerCertDer), method: 'certificate' };
  throw new CaRefusal('no-credentials', allowPeerCertificate ? 'no bearer token and no mesh client certificate' : 'no bearer token in the authorization metadata');
}
