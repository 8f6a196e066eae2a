import type { Reporter } from '../../diagnostic.js';
import { bool, enumOf, list, message, str, type Schema } from '../../schema/schema.js';
import { isKnownCipherSuite } from './cipher-suites.js';
import { enumName } from './enum-value.js';
import { SERVER_TLS_MODES, TLS_PROTOCOL_VERSIONS, type ServerTLSSettings, type TLSCertificate } from './types.js';

const tlsCertificateSchema: Schema = message('TLSCertificate', () => ({
  serverCertificate: str(),
  privateKey: str(),
  caCertificates: str(),
}));

/** Schema of ServerTLSSettings (Gateway `servers[].tls`, Sidecar `ingress[].tls`). */
export const serverTlsSettingsSchema: Schema = message('ServerTLSSettings', () => ({
  httpsRedirect: bool(),
  mode: enumOf(...SERVER_TLS_MODES),
  serverCertificate: str(),
  privateKey: str(),
  caCertificates: str(),
  caCrl: str(),
  credentialName: str(),
  credentialNames: list(str()),
  tlsCertificates: list(tlsCertificateSchema),
  subjectAltNames: list(str()),
  verifyCertificateSpki: list(str()),
  verifyCertificateHash: list(str()),
  minProtocolVersion: enumOf(...TLS_PROTOCOL_VERSIONS),
  maxProtocolVersion: enumOf(...TLS_PROTOCOL_VERSIONS),
  cipherSuites: list(str()),
}));

const filled = (s: string | undefined): boolean => typeof s === 'string' && s !== '';
const hasItems = (l: readonly unknown[] | undefined): boolean => Array.isArray(l) && l.length > 0;

/**
 * Istio's rules for server-side TLS settings (webhook and CRD): which certificate sources a
 * mode needs or forbids, one certificate source only, CRL limits, and warnings for cipher
 * suites and protocol versions. `at` points at the `tls` field.
 */
export function validateServerTlsSettings(tls: ServerTLSSettings, at: Reporter): void {
  const mode = enumName(tls.mode, SERVER_TLS_MODES);
  checkListSizes(tls, at);
  checkVersions(tls, at);
  checkCipherSuites(tls.cipherSuites, at.at('cipherSuites'));

  if (mode === 'ISTIO_MUTUAL') {
    // The mesh's own certificates are used; any user-supplied material is a mistake.
    const forbidden: [keyof ServerTLSSettings, boolean][] = [
      ['serverCertificate', filled(tls.serverCertificate)],
      ['privateKey', filled(tls.privateKey)],
      ['caCertificates', filled(tls.caCertificates)],
      ['tlsCertificates', hasItems(tls.tlsCertificates)],
      ['credentialName', filled(tls.credentialName)],
      ['credentialNames', hasItems(tls.credentialNames)],
    ];
    for (const [field, set] of forbidden) if (set) at.at(field).error(`ISTIO_MUTUAL mode uses the mesh certificates and cannot set ${field}`);
    return;
  }

  if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
    const anyCert = filled(tls.caCrl) || filled(tls.serverCertificate) || filled(tls.privateKey) || filled(tls.caCertificates) || hasItems(tls.tlsCertificates) || filled(tls.credentialName) || hasItems(tls.credentialNames);
    if (anyCert) at.warn(`${mode} mode does not terminate TLS; the certificate settings are ignored`);
  }

  const sources = [filled(tls.serverCertificate) && filled(tls.privateKey), filled(tls.credentialName), hasItems(tls.credentialNames), hasItems(tls.tlsCertificates)].filter(Boolean).length;
  if (sources > 1) at.error('set only one certificate source: credentialName, credentialNames, serverCertificate/privateKey or tlsCertificates');

  const terminating = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  // With a credential the certificates come from the secret store, so no file is needed.
  if (terminating && (filled(tls.credentialName) || hasItems(tls.credentialNames))) return;

  if (terminating) {
    const label = mode === 'SIMPLE' ? 'SIMPLE' : 'MUTUAL';
    if (label === 'MUTUAL' && !filled(tls.caCertificates)) at.at('caCertificates').error(`${mode} TLS requires a client CA bundle (caCertificates)`);
    // More than two pairs is tolerated (warned), the extra ones are not used.
    if ((tls.tlsCertificates?.length ?? 0) > 2) at.at('tlsCertificates').warn(`${label} TLS supports at most 2 server certificates; got ${tls.tlsCertificates!.length}`);
    if (hasItems(tls.tlsCertificates)) {
      tls.tlsCertificates!.forEach((cert, i) => checkCertificatePair(cert, mode, at.at('tlsCertificates').at(i)));
    } else {
      checkCertificatePair(tls, mode, at);
    }
  }
  if (filled(tls.caCrl)) {
    if (filled(tls.credentialName)) at.at('caCrl').error('caCrl cannot be used with credentialName; put the CRL in the credential');
    if (mode === 'SIMPLE') at.at('caCrl').error('caCrl is not supported with SIMPLE TLS (no client certificates are verified)');
  }
}

function checkCertificatePair(cert: TLSCertificate, mode: string, at: Reporter): void {
  if (!filled(cert.serverCertificate)) at.at('serverCertificate').error(`${mode} TLS requires a server certificate`);
  if (!filled(cert.privateKey)) at.at('privateKey').error(`${mode} TLS requires a private key`);
}

function checkListSizes(tls: ServerTLSSettings, at: Reporter): void {
  const names = tls.credentialNames;
  if (Array.isArray(names) && names.length > 2) at.at('credentialNames').error(`credentialNames must have 1 or 2 entries, got ${names.length}`);
  if (filled(tls.credentialName) && hasItems(tls.credentialNames)) at.error('only one of credentialName or credentialNames can be set');
  if (hasItems(tls.credentialNames) && hasItems(tls.tlsCertificates)) at.error('only one of credentialNames or tlsCertificates can be set');
}

function checkVersions(tls: ServerTLSSettings, at: Reporter): void {
  const min = enumName(tls.minProtocolVersion, TLS_PROTOCOL_VERSIONS);
  const max = enumName(tls.maxProtocolVersion, TLS_PROTOCOL_VERSIONS);
  if ((min === 'TLSV1_0' || min === 'TLSV1_1') && !hasItems(tls.cipherSuites)) {
    at.at('minProtocolVersion').warn(`${min} needs cipherSuites: the default cipher list has no suite for TLS below 1.2`);
  }
  // Istio does not reject this, but Envoy refuses such a listener; warn so the user knows.
  if (min !== 'TLS_AUTO' && max !== 'TLS_AUTO' && TLS_PROTOCOL_VERSIONS.indexOf(min) > TLS_PROTOCOL_VERSIONS.indexOf(max)) {
    at.at('minProtocolVersion').warn(`minProtocolVersion ${min} is above maxProtocolVersion ${max}`);
  }
}

function checkCipherSuites(suites: readonly string[] | undefined, at: Reporter): void {
  if (!suites) return;
  const seen = new Set<string>();
  const unknown: string[] = [];
  const duplicate: string[] = [];
  for (const s of suites) {
    if (!isKnownCipherSuite(s)) unknown.push(s);
    else if (seen.has(s)) duplicate.push(s);
    seen.add(s);
  }
  if (unknown.length > 0) at.warn(`unknown cipher suites are ignored: ${[...new Set(unknown)].sort().join(', ')}`);
  if (duplicate.length > 0) at.warn(`duplicate cipher suites are ignored: ${[...new Set(duplicate)].sort().join(', ')}`);
}
