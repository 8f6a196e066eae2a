import { generateKeyPair, generationParams, privateKeyToPem, type KeyAlgorithm } from './key-algorithm.js';
import { randomSerialNumber } from './serial-number.js';
import type { Signer } from './signer.js';
import { x509 } from './x509.js';

/** A CA certificate and its key, both PEM: what gets written to disk. */
export interface CaKeyPairPem {
  certPem: string;
  keyPem: string;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

function caExtensions(keys: CryptoKeyPair, pathLength?: number): Promise<x509.Extension[]> {
  return x509.SubjectKeyIdentifierExtension.create(keys.publicKey).then((ski) => [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
    ski,
  ]);
}

/**
 * A self-signed root like Istio's: subject O=<trust domain>, 10 years by default. The serial
 * number makes two roots of the same trust domain distinguishable in logs during a rotation.
 */
export async function createSelfSignedRoot(opts: { keyAlgorithm: KeyAlgorithm; trustDomain: string; years?: number; now?: Date }): Promise<CaKeyPairPem> {
  const keys = await generateKeyPair(opts.keyAlgorithm);
  const now = opts.now ?? new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ O: [opts.trustDomain] }],
    keys,
    serialNumber: randomSerialNumber(),
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + (opts.years ?? 10) * YEAR_MS),
    signingAlgorithm: generationParams(opts.keyAlgorithm),
    extensions: await caExtensions(keys),
  });
  return { certPem: `${cert.toString('pem')}\n`, keyPem: await privateKeyToPem(keys.privateKey) };
}

/** An intermediate CA signed by `issuer` (for `cacerts` set-ups and tests), path length 0. */
export async function createIntermediateCa(opts: { issuer: Signer; keyAlgorithm: KeyAlgorithm; trustDomain: string; commonName?: string; years?: number }): Promise<CaKeyPairPem> {
  const keys = await generateKeyPair(opts.keyAlgorithm);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    subject: [{ O: [opts.trustDomain] }, { CN: [opts.commonName ?? 'Plexus intermediate CA'] }],
    issuer: opts.issuer.cert.subjectName,
    publicKey: keys.publicKey,
    signingKey: opts.issuer.key.key,
    signingAlgorithm: opts.issuer.key.params,
    serialNumber: randomSerialNumber(),
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (opts.years ?? 5) * YEAR_MS),
    extensions: [...(await caExtensions(keys, 0)), opts.issuer.authorityKeyId],
  });
  return { certPem: `${cert.toString('pem')}\n`, keyPem: await privateKeyToPem(keys.privateKey) };
}
