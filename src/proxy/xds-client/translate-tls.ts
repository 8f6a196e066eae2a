import { createHash } from 'node:crypto';
import type { DownstreamTlsConfig, SanMatch, SanType, SecretConfig, UpstreamTlsConfig } from '../config/model.js';
import type { FieldPath } from './invalid-resource.js';
import type { ProtoJson } from './proto-root.js';
import { dataSourceText, list, obj, str, strings } from './proto-values.js';
import type { TranslateContext } from './translate-context.js';
import { translateStringMatcher } from './translate-matchers.js';

const UPSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const RAW_BUFFER = 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';

/** Istio's SDS names for the workload certificate and the trust bundle. */
const SDS_DEFAULT = 'default';
const SDS_ROOTCA = 'ROOTCA';

const TLS_VERSION: Readonly<Record<string, string | undefined>> = {
  TLS_AUTO: undefined, TLSv1_0: 'TLSv1', TLSv1_1: 'TLSv1.1', TLSv1_2: 'TLSv1.2', TLSv1_3: 'TLSv1.3',
};

/** The parts of a CommonTlsContext the model keeps. */
interface CommonTls {
  certificateSecrets: string[];
  validationSecret?: string;
  matchSubjectAltNames: SanMatch[];
  alpnProtocols: string[];
  minVersion?: string;
  maxVersion?: string;
  cipherSuites?: string[];
  acceptUntrusted: boolean;
  verifySpki: string[];
  verifyHash: string[];
}

/** Adds inline (or file) material as a secret named by its content, and returns the name. */
function inlineSecret(ctx: TranslateContext, material: Omit<SecretConfig, 'name'>): string {
  const hash = createHash('sha256').update(JSON.stringify(material)).digest('hex').slice(0, 16);
  const name = `inline:${hash}`;
  ctx.inlineSecrets.set(name, { name, ...material });
  return name;
}

function tlsVersion(v: unknown, at: FieldPath): string | undefined {
  if (v === undefined) return undefined;
  const key = String(v);
  if (!(key in TLS_VERSION)) at.fail(`unknown TLS version ${key}`);
  return TLS_VERSION[key];
}

function sdsName(v: unknown, at: FieldPath): string {
  return str(obj(v)?.name) ?? at.at('name').fail('SDS secret name is required');
}

const SAN_TYPES: ReadonlySet<string> = new Set<SanType>(['DNS', 'URI', 'EMAIL', 'IP_ADDRESS']);

function typedSanMatcher(m: ProtoJson, p: FieldPath): SanMatch {
  const type = String(m.san_type ?? 'SAN_TYPE_UNSPECIFIED');
  if (type === 'OTHER_NAME') p.at('san_type').fail('OTHER_NAME SAN matching is not supported');
  if (!SAN_TYPES.has(type)) p.at('san_type').fail(`san_type ${type} is not a SAN type (DNS, URI, EMAIL, IP_ADDRESS)`);
  return { ...translateStringMatcher(obj(m.matcher) ?? p.at('matcher').fail('matcher is required'), p.at('matcher')), sanType: type as SanType };
}

function validation(v: ProtoJson, at: FieldPath, ctx: TranslateContext, out: CommonTls): void {
  const typed = list(v.match_typed_subject_alt_names);
  typed.forEach((m, i) => out.matchSubjectAltNames.push(typedSanMatcher(m, at.at('match_typed_subject_alt_names', i))));
  // Envoy ignores the deprecated untyped list when typed matchers are given.
  if (typed.length === 0) list(v.match_subject_alt_names).forEach((m, i) => out.matchSubjectAltNames.push(translateStringMatcher(m, at.at('match_subject_alt_names', i))));
  const ca = dataSourceText(v.trusted_ca, at.at('trusted_ca'), ctx.readFile);
  const crl = dataSourceText(v.crl, at.at('crl'), ctx.readFile);
  if (crl !== undefined && ca === undefined) at.at('crl').fail('a CRL needs trusted_ca in the same validation context');
  if (ca !== undefined) out.validationSecret = inlineSecret(ctx, { trustedCa: ca, ...(crl !== undefined ? { crl } : {}) });
  if (v.trust_chain_verification === 'ACCEPT_UNTRUSTED') out.acceptUntrusted = true;
  strings(v.verify_certificate_spki).forEach((s, i) => {
    if (Buffer.from(s, 'base64').length !== 32 || !/^[A-Za-z0-9+/]+=*$/.test(s)) at.at('verify_certificate_spki', i).fail('expected the base64 SHA-256 of a SubjectPublicKeyInfo');
    out.verifySpki.push(s);
  });
  strings(v.verify_certificate_hash).forEach((s, i) => {
    const hex = s.replace(/:/g, '').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hex)) at.at('verify_certificate_hash', i).fail('expected the hex SHA-256 of a certificate');
    out.verifyHash.push(hex);
  });
  if (v.custom_validator_config !== undefined) at.at('custom_validator_config').fail('custom certificate validators are not supported');
}

function commonTls(c: ProtoJson, at: FieldPath, ctx: TranslateContext): CommonTls {
  const out: CommonTls = { certificateSecrets: [], matchSubjectAltNames: [], alpnProtocols: strings(c.alpn_protocols), acceptUntrusted: false, verifySpki: [], verifyHash: [] };
  list(c.tls_certificates).forEach((cert, i) => {
    const p = at.at('tls_certificates', i);
    const certificateChain = dataSourceText(cert.certificate_chain, p.at('certificate_chain'), ctx.readFile) ?? p.at('certificate_chain').fail('certificate chain is required');
    const privateKey = dataSourceText(cert.private_key, p.at('private_key'), ctx.readFile) ?? p.at('private_key').fail('private key is required');
    out.certificateSecrets.push(inlineSecret(ctx, { certificateChain, privateKey }));
  });
  list(c.tls_certificate_sds_secret_configs).forEach((s, i) => out.certificateSecrets.push(sdsName(s, at.at('tls_certificate_sds_secret_configs', i))));
  for (const unsupported of ['tls_certificate_provider_instance', 'custom_handshaker', 'key_log', 'custom_tls_certificate_selector']) {
    if (c[unsupported] !== undefined) at.at(unsupported).fail('not supported');
  }
  const v = obj(c.validation_context);
  if (v) validation(v, at.at('validation_context'), ctx, out);
  const sds = obj(c.validation_context_sds_secret_config);
  if (sds) out.validationSecret = sdsName(sds, at.at('validation_context_sds_secret_config'));
  const combined = obj(c.combined_validation_context);
  if (combined) {
    const p = at.at('combined_validation_context');
    const def = obj(combined.default_validation_context);
    if (def) validation(def, p.at('default_validation_context'), ctx, out);
    out.validationSecret = sdsName(combined.validation_context_sds_secret_config, p.at('validation_context_sds_secret_config'));
  }
  if (c.validation_context_certificate_provider_instance !== undefined) at.at('validation_context_certificate_provider_instance').fail('not supported');
  const params = obj(c.tls_params);
  if (params) {
    const p = at.at('tls_params');
    out.minVersion = tlsVersion(params.tls_minimum_protocol_version, p.at('tls_minimum_protocol_version'));
    out.maxVersion = tlsVersion(params.tls_maximum_protocol_version, p.at('tls_maximum_protocol_version'));
    const ciphers = strings(params.cipher_suites);
    if (ciphers.length > 0) out.cipherSuites = ciphers;
  }
  return out;
}

/** The transport socket of a cluster: TLS, plaintext (undefined) or an error. */
export function translateUpstreamSocket(socket: ProtoJson | undefined, at: FieldPath, ctx: TranslateContext): UpstreamTlsConfig | undefined {
  if (!socket) return undefined;
  const typed = obj(socket.typed_config) ?? at.at('typed_config').fail('typed_config is required');
  const type = String(typed['@type'] ?? '');
  if (type === RAW_BUFFER) return undefined;
  if (type !== UPSTREAM_TLS) return at.at('typed_config').fail(`unsupported upstream transport socket ${type || String(typed.type_url ?? '')}`);
  const common = commonTls(obj(typed.common_tls_context) ?? {}, at.at('typed_config').at('common_tls_context'), ctx);
  if (common.verifySpki.length + common.verifyHash.length > 0) at.at('typed_config').at('common_tls_context').fail('verify_certificate_spki and verify_certificate_hash are supported on downstream TLS only');
  return {
    ...(str(typed.sni) ? { sni: String(typed.sni) } : {}),
    certificateSecrets: common.certificateSecrets,
    ...(common.validationSecret ? { validationSecret: common.validationSecret } : {}),
    matchSubjectAltNames: common.matchSubjectAltNames,
    alpnProtocols: common.alpnProtocols,
    istioMutual: common.certificateSecrets.includes(SDS_DEFAULT) && common.validationSecret === SDS_ROOTCA,
    // Envoy verifies the server only when given a CA to verify against.
    insecureSkipVerify: common.validationSecret === undefined || common.acceptUntrusted,
  };
}

/** The transport socket of a filter chain: TLS termination, plaintext (undefined) or an error. */
export function translateDownstreamSocket(socket: ProtoJson | undefined, at: FieldPath, ctx: TranslateContext): DownstreamTlsConfig | undefined {
  if (!socket) return undefined;
  const typed = obj(socket.typed_config) ?? at.at('typed_config').fail('typed_config is required');
  const type = String(typed['@type'] ?? '');
  if (type === RAW_BUFFER) return undefined;
  if (type !== DOWNSTREAM_TLS) return at.at('typed_config').fail(`unsupported downstream transport socket ${type || String(typed.type_url ?? '')}`);
  const p = at.at('typed_config');
  const common = commonTls(obj(typed.common_tls_context) ?? {}, p.at('common_tls_context'), ctx);
  if (common.certificateSecrets.length === 0) p.at('common_tls_context').fail('a server certificate is required');
  const requireClientCertificate = obj(typed.require_client_certificate)?.value === true;
  if (requireClientCertificate && common.validationSecret === undefined) {
    p.at('require_client_certificate').fail('requiring a client certificate needs a validation context');
  }
  return {
    certificateSecrets: common.certificateSecrets,
    ...(common.validationSecret ? { validationSecret: common.validationSecret } : {}),
    requireClientCertificate,
    matchSubjectAltNames: common.matchSubjectAltNames,
    alpnProtocols: common.alpnProtocols,
    ...(common.minVersion ? { minVersion: common.minVersion } : {}),
    ...(common.maxVersion ? { maxVersion: common.maxVersion } : {}),
    ...(common.cipherSuites ? { cipherSuites: common.cipherSuites } : {}),
    ...(common.verifySpki.length > 0 ? { verifyCertificateSpki: common.verifySpki } : {}),
    ...(common.verifyHash.length > 0 ? { verifyCertificateHash: common.verifyHash } : {}),
  };
}
