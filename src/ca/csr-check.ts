import { createPublicKey } from 'node:crypto';
import { CaRefusal } from './ca-refusal.js';
import { x509 } from './x509.js';

/** Bounds on CSR size: a P-256 CSR is ~400 bytes, an RSA-4096 one ~1.7 kB. */
const MAX_CSR_CHARS = 16_384;

/**
 * Parses a PEM CSR and returns its public key once the key is strong enough (RSA ≥ 2048 bits,
 * EC P-256 or P-384) and the CSR's self-signature proves possession of the private key.
 * Nothing else in the CSR is used: subject and SANs are the CA's decision.
 */
export async function checkCsr(csrPem: string): Promise<x509.PublicKey> {
  if (typeof csrPem !== 'string' || csrPem.length === 0) throw new CaRefusal('malformed-csr', 'the request carries no CSR');
  if (csrPem.length > MAX_CSR_CHARS) throw new CaRefusal('malformed-csr', `the CSR is larger than ${MAX_CSR_CHARS} characters`);
  if (!csrPem.includes('-----BEGIN CERTIFICATE REQUEST-----')) throw new CaRefusal('malformed-csr', 'the CSR is not a PEM "CERTIFICATE REQUEST"');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new CaRefusal('malformed-csr', `the CSR cannot be parsed: ${(err as Error).message}`, { cause: err });
  }
  checkKeyStrength(csr.publicKey);
  let ok = false;
  try {
    ok = await csr.verify();
  } catch (err) {
    throw new CaRefusal('csr-signature', `the CSR signature cannot be checked: ${(err as Error).message}`, { cause: err });
  }
  if (!ok) throw new CaRefusal('csr-signature', 'the CSR signature does not match its public key');
  return csr.publicKey;
}

function checkKeyStrength(publicKey: x509.PublicKey): void {
  let key;
  try {
    key = createPublicKey({ key: Buffer.from(publicKey.rawData), format: 'der', type: 'spki' });
  } catch (err) {
    throw new CaRefusal('weak-key', `the CSR's public key is of an unsupported kind: ${(err as Error).message}`, { cause: err });
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) throw new CaRefusal('weak-key', `RSA key of ${details.modulusLength} bits; at least 2048 required`);
    return;
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1' || details.namedCurve === 'secp384r1') return;
    throw new CaRefusal('weak-key', `EC curve ${details.namedCurve ?? '?'} is not accepted; use P-256 or P-384`);
  }
  throw new CaRefusal('weak-key', `key type ${key.asymmetricKeyType ?? '?'} is not accepted; use EC P-256/P-384 or RSA ≥ 2048`);
}
