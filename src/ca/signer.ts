import { createPublicKey } from 'node:crypto';
import { PlexusError } from '../api/errors.js';
import { importPrivateKeyPem, type ImportedKey } from './key-algorithm.js';
import { x509 } from './x509.js';

/** A CA certificate with its private key: what signs workload (or intermediate) certificates. */
export interface Signer {
  cert: x509.X509Certificate;
  certPem: string;
  key: ImportedKey;
  /** The authorityKeyIdentifier for certificates this signer issues, computed once. */
  authorityKeyId: x509.AuthorityKeyIdentifierExtension;
}

/**
 * The AKI that points at `cert`: its own subjectKeyIdentifier when it has one (a plugged-in CA
 * may use another SKI method than SHA-1), else the RFC 5280 SHA-1 of its key.
 */
export async function authorityKeyIdFor(cert: x509.X509Certificate): Promise<x509.AuthorityKeyIdentifierExtension> {
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  return ski ? new x509.AuthorityKeyIdentifierExtension(ski.keyId, false) : x509.AuthorityKeyIdentifierExtension.create(cert.publicKey, false);
}

/** Loads a signer from PEM and checks that the key belongs to the certificate and may sign certificates. */
export async function loadSigner(certPem: string, keyPem: string, source: string): Promise<Signer> {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch (err) {
    throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `${source}: not a PEM certificate: ${(err as Error).message}`, { cause: err });
  }
  const key = await importPrivateKeyPem(keyPem);
  const fromKey = createPublicKey(key.keyObject).export({ type: 'spki', format: 'der' });
  if (!Buffer.from(cert.publicKey.rawData).equals(fromKey)) {
    throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `${source}: the private key does not belong to the certificate`);
  }
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `${source}: the certificate is not a CA (basicConstraints CA:TRUE missing)`);
  return { cert, certPem: `${cert.toString('pem')}\n`, key, authorityKeyId: await authorityKeyIdFor(cert) };
}
