import type { Signer } from './signer.js';
import { randomSerialNumber } from './serial-number.js';
import { spiffeUri, type WorkloadIdentity } from './spiffe-id.js';
import { x509 } from './x509.js';

/** What goes into one leaf certificate besides the key. */
export interface LeafCertificateRequest {
  publicKey: x509.PublicKey | CryptoKey;
  /** Subject alternative names; a workload certificate has exactly one, its SPIFFE URI. */
  altNames: x509.JsonGeneralName[];
  ttlSeconds: number;
  /** notBefore is set this far in the past so that peers with a slightly slow clock accept the cert. */
  backdateSeconds: number;
  now?: Date;
}

/** The SAN list of a workload certificate: its SPIFFE URI and nothing else. */
export function workloadAltNames(identity: WorkloadIdentity): x509.JsonGeneralName[] {
  return [{ type: 'url', value: spiffeUri(identity) }];
}

/**
 * Issues a workload certificate as Istio does: empty subject with the SPIFFE URI as the only
 * (critical, since the subject is empty — RFC 5280 §4.2.1.6) SAN, key usage digitalSignature +
 * keyEncipherment, EKU serverAuth + clientAuth, not a CA.
 */
export async function issueLeafCertificate(signer: Signer, req: LeafCertificateRequest): Promise<x509.X509Certificate> {
  const now = req.now?.getTime() ?? Date.now();
  return x509.X509CertificateGenerator.create({
    subject: '',
    issuer: signer.cert.subjectName,
    publicKey: req.publicKey,
    signingKey: signer.key.key,
    signingAlgorithm: signer.key.params,
    serialNumber: randomSerialNumber(),
    notBefore: new Date(now - req.backdateSeconds * 1000),
    notAfter: new Date(now + req.ttlSeconds * 1000),
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.SubjectAlternativeNameExtension(req.altNames, true),
      signer.authorityKeyId,
    ],
  });
}
