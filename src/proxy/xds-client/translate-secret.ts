import type { SecretConfig } from '../config/model.js';
import type { FieldPath } from './invalid-resource.js';
import type { ProtoJson } from './proto-root.js';
import { dataSourceText, obj, str } from './proto-values.js';
import type { TranslateContext } from './translate-context.js';

/**
 * `extensions.transport_sockets.tls.v3.Secret` → model: a certificate with its key, or a
 * validation context (trust bundle). Generic and session-ticket secrets are not supported.
 */
export function translateSecret(s: ProtoJson, at: FieldPath, ctx: TranslateContext): SecretConfig {
  const name = str(s.name) ?? at.at('name').fail('secret name is required');
  const cert = obj(s.tls_certificate);
  if (cert) {
    const p = at.at('tls_certificate');
    const certificateChain = dataSourceText(cert.certificate_chain, p.at('certificate_chain'), ctx.readFile) ?? p.at('certificate_chain').fail('required');
    const privateKey = dataSourceText(cert.private_key, p.at('private_key'), ctx.readFile) ?? p.at('private_key').fail('required');
    if (!certificateChain.includes('-----BEGIN CERTIFICATE-----')) p.at('certificate_chain').fail('not a PEM certificate');
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) p.at('private_key').fail('not a PEM private key');
    return { name, certificateChain, privateKey };
  }
  const validation = obj(s.validation_context);
  if (validation) {
    const p = at.at('validation_context');
    const trustedCa = dataSourceText(validation.trusted_ca, p.at('trusted_ca'), ctx.readFile) ?? p.at('trusted_ca').fail('required');
    if (!trustedCa.includes('-----BEGIN CERTIFICATE-----')) p.at('trusted_ca').fail('not a PEM certificate');
    const crl = dataSourceText(validation.crl, p.at('crl'), ctx.readFile);
    if (crl !== undefined && !crl.includes('-----BEGIN X509 CRL-----')) p.at('crl').fail('not a PEM certificate revocation list');
    for (const unsupported of ['custom_validator_config', 'trust_chain_verification']) {
      if (validation[unsupported] !== undefined && validation[unsupported] !== 'VERIFY_TRUST_CHAIN') p.at(unsupported).fail('not supported in an SDS secret');
    }
    return { name, trustedCa, ...(crl !== undefined ? { crl } : {}) };
  }
  return at.fail('one of tls_certificate, validation_context is required');
}
