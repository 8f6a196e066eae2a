import { generateKeyPair, generationParams, privateKeyToPem, type KeyAlgorithm } from '../ca/key-algorithm.js';
import { x509 } from '../ca/x509.js';

/** A fresh private key (PEM, PKCS#8) and a CSR for it. */
export interface KeyAndCsr {
  keyPem: string;
  csrPem: string;
}

/**
 * Makes a new key and its CSR. The key never leaves the agent; the CSR carries the SPIFFE URI
 * the agent expects (when it knows it) only as a hint — the CA decides the SAN from the token.
 */
export async function createKeyAndCsr(keyAlgorithm: KeyAlgorithm, spiffeIdHint?: string): Promise<KeyAndCsr> {
  const keys = await generateKeyPair(keyAlgorithm);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys,
    signingAlgorithm: generationParams(keyAlgorithm),
    extensions: spiffeIdHint ? [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeIdHint }], true)] : [],
  });
  return { keyPem: await privateKeyToPem(keys.privateKey), csrPem: `${csr.toString('pem')}\n` };
}
