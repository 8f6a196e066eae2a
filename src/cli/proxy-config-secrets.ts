import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlexusError } from '../api/errors.js';
import { CERT_FILES } from '../agent/certificate-files.js';
import { splitPemCertificates } from '../ca/pem.js';
import type { EnvoyConfigDump } from '../xds/config-dump.js';
import type { Json } from './config-dump-view.js';
import { renderTabTable } from './tab-table.js';

/** One secret as a proxy holds it: its name, kind, warming state and certificates. */
export interface SecretEntry {
  name: string;
  type: 'Cert Chain' | 'CA';
  /** istioctl's words: ACTIVE (in use), WARMING (requested, not yet usable), STATIC (bootstrap). */
  status: 'ACTIVE' | 'WARMING' | 'STATIC';
  /** PEM certificates: the chain (leaf first) or the trusted roots. */
  certificates: string[];
}

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** The text of an Envoy DataSource as a config dump shows it (`inline_bytes` base64, `inline_string`, or a local `filename`). */
function dataSourceText(source: unknown): string {
  const s = obj(source);
  if (typeof s.inline_bytes === 'string') return Buffer.from(s.inline_bytes, 'base64').toString('utf8');
  if (typeof s.inline_string === 'string') return s.inline_string;
  if (typeof s.filename === 'string' && existsSync(s.filename)) return readFileSync(s.filename, 'utf8');
  return '';
}

function entryOf(secret: Json, status: SecretEntry['status']): SecretEntry | undefined {
  const name = String(secret.name ?? '');
  const cert = obj(secret.tls_certificate);
  if (Object.keys(cert).length > 0) return { name, type: 'Cert Chain', status, certificates: splitPemCertificates(dataSourceText(cert.certificate_chain)) };
  const validation = obj(secret.validation_context);
  if (Object.keys(validation).length > 0) return { name, type: 'CA', status, certificates: splitPemCertificates(dataSourceText(validation.trusted_ca)) };
  return undefined;
}

/** Every secret of an Envoy `/config_dump`, with the status its section implies. */
export function secretEntries(dump: EnvoyConfigDump): SecretEntry[] {
  const out: SecretEntry[] = [];
  for (const c of dump.configs.filter((x) => String(x['@type'] ?? '').endsWith('.SecretsConfigDump'))) {
    const sections: [unknown, SecretEntry['status']][] = [[c.static_secrets, 'STATIC'], [c.dynamic_active_secrets, 'ACTIVE'], [c.dynamic_warming_secrets, 'WARMING']];
    for (const [entries, status] of sections) {
      for (const e of list(entries)) {
        const found = e.secret ? entryOf(obj(e.secret), status) : undefined;
        if (found) out.push(found);
      }
    }
  }
  return out;
}

/**
 * The agent's output directory (`cert-chain.pem`, `key.pem`, `root-cert.pem`, as written for
 * proxyless gRPC and by `CertificateAgent({ outputDir })`) as a config dump holding the two
 * secrets an Istio agent serves: `default` and `ROOTCA`. The key is never read.
 */
export function certDirConfigDump(dir: string): EnvoyConfigDump {
  const read = (file: string): string => {
    const path = join(dir, file);
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new PlexusError('PLEXUS_ERR_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
  };
  const b64 = (text: string): Json => ({ inline_bytes: Buffer.from(text).toString('base64') });
  const secret = (name: string, body: Json): Json => ({ name, version_info: 'file', secret: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', name, ...body } });
  return {
    configs: [{
      '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
      dynamic_active_secrets: [
        secret('default', { tls_certificate: { certificate_chain: b64(read(CERT_FILES.chain)), private_key: { inline_bytes: Buffer.from('[redacted]').toString('base64') } } }),
        secret('ROOTCA', { validation_context: { trusted_ca: b64(read(CERT_FILES.roots)) } }),
      ],
    }],
  };
}

/** Go's `%x` of a big integer: lower case, no leading zeros. */
function serialHex(serial: string): string {
  return serial.toLowerCase().replace(/^0+(?=.)/, '');
}

/** `time.RFC3339` in UTC, as istioctl prints certificate dates. */
function rfc3339(date: string): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** SHA-256 of the DER, colon-separated upper-case hex (openssl's `-fingerprint` form). */
export function sha256Fingerprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/**
 * `proxy-config secret`, istioctl's table: RESOURCE NAME, TYPE, STATUS, VALID CERT, SERIAL
 * NUMBER, NOT AFTER, NOT BEFORE — the leaf for a chain, every root for a CA bundle (two during a
 * root rotation) — then the SHA-256 fingerprint of each root, to compare with `plexus x ca root`.
 */
export function secretTable(entries: readonly SecretEntry[], now = Date.now()): string {
  const rows = [['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE']];
  const fingerprints: string[] = [];
  for (const e of entries) {
    const certs = e.type === 'CA' ? e.certificates : e.certificates.slice(0, 1);
    if (certs.length === 0) rows.push([e.name, e.type, e.status, 'false', '', '', '']);
    for (const pem of certs) {
      const cert = new X509Certificate(pem);
      const valid = Date.parse(cert.validFrom) <= now && now < Date.parse(cert.validTo);
      rows.push([e.name, e.type, e.status, String(valid), serialHex(cert.serialNumber), rfc3339(cert.validTo), rfc3339(cert.validFrom)]);
      if (e.type === 'CA') fingerprints.push(`${e.name} SHA-256 fingerprint ${serialHex(cert.serialNumber)}: ${sha256Fingerprint(pem)}`);
    }
  }
  const table = renderTabTable(rows, 5);
  return fingerprints.length > 0 ? `${table}\n${fingerprints.join('\n')}\n` : table;
}
