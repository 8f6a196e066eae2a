import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { secretValues } from './secret-data.js';
import { GENERIC_KEYS, TLS_KEYS, type SecretContent } from './types.js';

/** A certificate with its key, as Istio reads it from a Secret (`cert`/`key` or `tls.crt`/`tls.key`). */
export interface KeyCertMaterial {
  readonly certificateChain: string;
  readonly privateKey: string;
  /** The keys it came from, for messages (`tls.crt`, `tls.key`). */
  readonly keys: readonly [string, string];
}

/** A trust bundle, as Istio reads it (`cacert` or `ca.crt`, with the CRL next to it). */
export interface CaMaterial {
  readonly trustedCa: string;
  readonly crl?: string;
  readonly key: string;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

function filled(values: ReadonlyMap<string, Buffer>, ...keys: string[]): boolean {
  return keys.every((k) => (values.get(k)?.length ?? 0) > 0);
}

/**
 * The certificate and key of a Secret, Istio's way: the generic `cert`/`key` pair first, then
 * `tls.crt`/`tls.key`. A string saying why when there is none (never quoting a value).
 */
export function keyCertOf(content: SecretContent): KeyCertMaterial | string {
  const values = secretValues(content);
  for (const layout of [GENERIC_KEYS, TLS_KEYS]) {
    if (filled(values, layout.cert, layout.key)) {
      return { certificateChain: values.get(layout.cert)!.toString('utf8'), privateKey: values.get(layout.key)!.toString('utf8'), keys: [layout.cert, layout.key] };
    }
  }
  for (const layout of [GENERIC_KEYS, TLS_KEYS]) {
    if (values.has(layout.cert) && values.has(layout.key)) return `found keys "${layout.cert}" and "${layout.key}", but they were empty`;
  }
  return `found secret, but didn't have expected keys ("${GENERIC_KEYS.cert}" and "${GENERIC_KEYS.key}") or ("${TLS_KEYS.cert}" and "${TLS_KEYS.key}"); found: ${keyList(values)}`;
}

/** The CA bundle of a Secret, Istio's way: `cacert` first, then `ca.crt`; a reason when there is none. */
export function caOf(content: SecretContent): CaMaterial | string {
  const values = secretValues(content);
  for (const layout of [GENERIC_KEYS, TLS_KEYS]) {
    if (filled(values, layout.ca)) {
      const crl = values.get(layout.crl);
      return { trustedCa: values.get(layout.ca)!.toString('utf8'), key: layout.ca, ...(crl && crl.length > 0 ? { crl: crl.toString('utf8') } : {}) };
    }
  }
  return `found secret, but didn't have expected keys "${GENERIC_KEYS.ca}" or "${TLS_KEYS.ca}"; found: ${keyList(values)}`;
}

function keyList(values: ReadonlyMap<string, Buffer>): string {
  const keys = [...values.keys()].sort();
  return keys.length === 0 ? 'no keys' : keys.slice(0, 8).map((k) => JSON.stringify(k)).join(', ') + (keys.length > 8 ? ', …' : '');
}

/** Every certificate of a PEM bundle, parsed; a reason (without the input) when one does not parse. */
export function parseCertificates(pem: string): X509Certificate[] | string {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) return 'not a PEM certificate: no "-----BEGIN CERTIFICATE-----" block';
  const out: X509Certificate[] = [];
  for (let i = 0; i < blocks.length; i++) {
    try {
      out.push(new X509Certificate(blocks[i]!));
    } catch {
      return `certificate ${i + 1} of ${blocks.length} in the PEM bundle does not parse as X.509`;
    }
  }
  return out;
}

/** The private key of a PEM text; a reason (without the input) when it does not parse. */
export function parsePrivateKey(pem: string): KeyObject | string {
  if (!KEY_BLOCK.test(pem)) return 'not a PEM private key: no "-----BEGIN … PRIVATE KEY-----" block';
  try {
    return createPrivateKey(pem);
  } catch {
    return 'the PEM private key does not parse (corrupt, or encrypted with a passphrase)';
  }
}
