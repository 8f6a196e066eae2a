import type { X509Certificate } from 'node:crypto';
import type { Reporter } from '../../diagnostic.js';
import { checkConfigKey } from '../config-map/validate.js';
import { isBase64, secretValues } from './secret-data.js';
import { parseCertificates, parsePrivateKey } from './tls-material.js';
import { GENERIC_KEYS, TLS_KEYS, TLS_SECRET_TYPE, type SecretContent } from './types.js';

const MAX_TOTAL_BYTES = 1024 * 1024;

/** Where a key's value came from: `stringData` wins over `data`, as the API server merges them. */
function fieldOf(content: SecretContent, key: string, at: Reporter): Reporter {
  return content.stringData && key in content.stringData ? at.at('stringData').at(key) : at.at('data').at(key);
}

function checkValidity(cert: X509Certificate, at: Reporter, now: number): void {
  if (Date.parse(cert.validTo) < now) at.warn(`the certificate expired on ${new Date(Date.parse(cert.validTo)).toISOString()}; handshakes with it will fail`);
  else if (Date.parse(cert.validFrom) > now) at.warn(`the certificate is not valid before ${new Date(Date.parse(cert.validFrom)).toISOString()}`);
}

/** Checks one certificate/key pair: both parse, and the key belongs to the first certificate. */
function checkKeyCert(content: SecretContent, values: ReadonlyMap<string, Buffer>, certKey: string, keyKey: string, at: Reporter): void {
  const certAt = fieldOf(content, certKey, at);
  const keyAt = fieldOf(content, keyKey, at);
  const certs = parseCertificates(values.get(certKey)!.toString('utf8'));
  const key = parsePrivateKey(values.get(keyKey)!.toString('utf8'));
  if (typeof certs === 'string') certAt.error(certs);
  else checkValidity(certs[0]!, certAt, Date.now());
  if (typeof key === 'string') keyAt.error(key);
  if (typeof certs !== 'string' && typeof key !== 'string' && !certs[0]!.checkPrivateKey(key)) {
    keyAt.error(`the private key does not belong to the certificate in ${JSON.stringify(certKey)}`);
  }
}

function checkCa(content: SecretContent, values: ReadonlyMap<string, Buffer>, caKey: string, crlKey: string, at: Reporter): void {
  const caAt = fieldOf(content, caKey, at);
  const certs = parseCertificates(values.get(caKey)!.toString('utf8'));
  if (typeof certs === 'string') caAt.error(certs);
  else if (!certs.some((c) => c.ca)) caAt.warn('no certificate in this bundle is a CA certificate (basicConstraints CA:TRUE); clients will be verified against it as a trust anchor anyway');
  const crl = values.get(crlKey);
  if (crl && crl.length > 0 && !crl.toString('utf8').includes('-----BEGIN X509 CRL-----')) fieldOf(content, crlKey, at).error('not a PEM certificate revocation list: no "-----BEGIN X509 CRL-----" block');
}

/**
 * The API server's Secret rules (valid keys, base64 `data`, 1 MiB, `kubernetes.io/tls` needs
 * `tls.crt` and `tls.key`) and the checks Istio's gateway analyzer makes on credentials: every
 * TLS value present parses as PEM, the key belongs to the certificate, expiry. Messages name the
 * field and never quote a value.
 */
export function validateSecret(content: SecretContent, at: Reporter): void {
  let total = 0;
  for (const [field, map] of [['data', content.data], ['stringData', content.stringData]] as const) {
    for (const [key, value] of Object.entries(map ?? {})) {
      const err = checkConfigKey(key);
      if (err) at.at(field).at(key).error(err);
      if (field === 'data' && typeof value === 'string' && !isBase64(value)) at.at(field).at(key).error('data values must be base64-encoded (use stringData for plain text)');
      total += key.length + (typeof value === 'string' ? (field === 'data' ? Math.floor((value.length * 3) / 4) : Buffer.byteLength(value)) : 0);
    }
  }
  if (total > MAX_TOTAL_BYTES) at.error(`a Secret may hold at most 1 MiB of data, this one holds ${total} bytes`);
  if (at.hasErrors()) return;

  const values = secretValues(content);
  const type = content.type ?? 'Opaque';
  if (type === TLS_SECRET_TYPE) {
    for (const k of [TLS_KEYS.cert, TLS_KEYS.key]) if (!values.has(k)) at.at('data').at(k).error(`a ${TLS_SECRET_TYPE} Secret requires the key ${JSON.stringify(k)}`);
    if (at.hasErrors()) return;
  }
  // Only the layouts Istio reads are checked; other keys of an Opaque secret are the user's own business.
  for (const layout of [TLS_KEYS, GENERIC_KEYS]) {
    const hasCert = (values.get(layout.cert)?.length ?? 0) > 0;
    const hasKey = (values.get(layout.key)?.length ?? 0) > 0;
    if (hasCert && hasKey) checkKeyCert(content, values, layout.cert, layout.key, at);
    else if (hasCert !== hasKey) {
      const missing = hasCert ? layout.key : layout.cert;
      fieldOf(content, hasCert ? layout.cert : layout.key, at).warn(`${JSON.stringify(missing)} is missing or empty: as a credentialName this Secret provides no certificate`);
    }
    if ((values.get(layout.ca)?.length ?? 0) > 0) checkCa(content, values, layout.ca, layout.crl, at);
  }
}
