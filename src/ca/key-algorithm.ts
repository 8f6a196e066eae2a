import { createPrivateKey, type KeyObject } from 'node:crypto';
import { PlexusError } from '../api/errors.js';
import { subtle } from './x509.js';

/** Key types Plexus creates: ECDSA P-256 by default, RSA 2048 when selected (DESIGN.md §4). */
export type KeyAlgorithm = 'ec-p256' | 'rsa-2048';

/** A WebCrypto algorithm that both imports a key and names its signature hash. */
export type SigningParams = (EcKeyImportParams & EcdsaParams) | (RsaHashedImportParams & Algorithm);

/** WebCrypto parameters for generating and signing with a key of the given type. */
export function generationParams(alg: KeyAlgorithm): EcKeyGenParams & EcdsaParams | RsaHashedKeyGenParams {
  return alg === 'ec-p256'
    ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
    : { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
}

/** Generates an extractable key pair for signing. */
export async function generateKeyPair(alg: KeyAlgorithm): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(generationParams(alg), true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** PKCS#8 PEM of a private CryptoKey. */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
}

/** The signing parameters that fit a key: the hash follows the curve size, as Go's x509 does. */
export function signingParamsFor(key: KeyObject): SigningParams {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1') return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    if (details.namedCurve === 'secp384r1') return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
    throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `EC curve ${details.namedCurve ?? '?'} is not supported; use P-256 or P-384`);
  }
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `RSA key of ${details.modulusLength} bits is too weak; use at least 2048`);
    return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  }
  throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `key type ${key.asymmetricKeyType ?? '?'} is not supported; use EC or RSA`);
}

/** A private key ready to sign with, plus the parameters that go with it. */
export interface ImportedKey {
  key: CryptoKey;
  params: SigningParams;
  keyObject: KeyObject;
}

/** Imports a PEM private key in any of the encodings OpenSSL writes (PKCS#8, SEC1, PKCS#1). */
export async function importPrivateKeyPem(pem: string): Promise<ImportedKey> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch (err) {
    throw new PlexusError('PLEXUS_ERR_CA_MATERIAL', `cannot read private key: ${(err as Error).message}`, { cause: err });
  }
  const params = signingParamsFor(keyObject);
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const key = await subtle.importKey('pkcs8', der, params, true, ['sign']);
  return { key, params, keyObject };
}
