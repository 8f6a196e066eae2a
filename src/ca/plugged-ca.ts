import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlexusError } from '../api/errors.js';
import { splitPemCertificates } from './pem.js';
import { loadSigner, type Signer } from './signer.js';

/** A CA plugged in from Istio's `cacerts` layout. */
export interface PluggedCa {
  signer: Signer;
  /** Certificates between the signer and the roots, signer first; every issued chain carries them. */
  intermediatesPem: string[];
  rootsPem: string[];
}

/** The four files of Istio's layout; cert-chain.pem may be absent when ca-cert.pem is signed by the root directly. */
export const CACERTS_FILES = { cert: 'ca-cert.pem', key: 'ca-key.pem', root: 'root-cert.pem', chain: 'cert-chain.pem' } as const;

function read(dir: string, name: string): string {
  try {
    return readFileSync(join(dir, name), 'utf8');
  } catch (err) {
    throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `cacerts: cannot read ${join(dir, name)}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Loads `ca-cert.pem` + `ca-key.pem` (the signing CA), `root-cert.pem` (the trusted roots, one or
 * more) and `cert-chain.pem` (ca-cert up to the root), and checks that the signing certificate
 * chains through them to one of the roots by signature — a wrong file refuses to start rather
 * than issuing certificates nobody can verify.
 */
export async function loadPluggedCa(dir: string): Promise<PluggedCa> {
  const signer = await loadSigner(read(dir, CACERTS_FILES.cert), read(dir, CACERTS_FILES.key), join(dir, CACERTS_FILES.cert));
  const rootsPem = splitPemCertificates(read(dir, CACERTS_FILES.root));
  if (rootsPem.length === 0) throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `cacerts: ${join(dir, CACERTS_FILES.root)} holds no certificate`);
  const chainPem = existsSync(join(dir, CACERTS_FILES.chain)) ? splitPemCertificates(read(dir, CACERTS_FILES.chain)) : [signer.certPem];

  const roots = rootsPem.map((p) => new X509Certificate(p));
  const isRoot = (c: X509Certificate): boolean => roots.some((r) => r.raw.equals(c.raw));
  const chain = chainPem.map((p) => new X509Certificate(p));
  const signerCert = new X509Certificate(signer.certPem);
  if (!chain.some((c) => c.raw.equals(signerCert.raw))) chain.unshift(signerCert);
  const intermediates = chain.filter((c) => !isRoot(c));

  // Walk from the signing cert to a root, each step checked by signature.
  let current = signerCert;
  for (let depth = 0; !isRoot(current); depth++) {
    const issuer = [...intermediates, ...roots].find((c) => !c.raw.equals(current.raw) && current.checkIssued(c) && current.verify(c.publicKey));
    if (!issuer || depth > 8) {
      throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `cacerts: ${CACERTS_FILES.cert} (${current.subject.replace(/\n/g, ', ')}) does not chain to any certificate in ${CACERTS_FILES.root}`);
    }
    current = issuer;
  }
  return { signer, intermediatesPem: intermediates.map((c) => c.toString()), rootsPem: roots.map((c) => c.toString()) };
}
