import { join } from 'node:path';
import { writeFileAtomic } from '../ca/atomic-write.js';

/** File names in the output directory, as Istio's agent writes them for proxyless gRPC. */
export const CERT_FILES = { chain: 'cert-chain.pem', key: 'key.pem', roots: 'root-cert.pem' } as const;

/**
 * Writes the three files for a file_watcher certificate provider, each atomically. The key is
 * written first: a reader that picks up the new chain always finds its key already in place
 * (a reader between the two sees the new key with the old chain for a moment; grpc-js re-reads on
 * its next refresh).
 */
export function writeCertificateFiles(dir: string, material: { certChainPem: string; keyPem: string; rootsPem: string }): void {
  writeFileAtomic(join(dir, CERT_FILES.key), material.keyPem, 0o600);
  writeFileAtomic(join(dir, CERT_FILES.chain), material.certChainPem, 0o644);
  writeFileAtomic(join(dir, CERT_FILES.roots), material.rootsPem, 0o644);
}
