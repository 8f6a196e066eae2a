import type { ServerTLSSettings } from '../../api/kinds/gateway/types.js';
import { anyField, type ProtoObject } from '../protos.js';
import { ADS_SDS_CONFIG, AGENT_SDS_CONFIG, SDS_DEFAULT, SDS_ROOTCA, sanMatchers } from './cluster-tls.js';
import { credentialCaSecretName, credentialSecretName } from './credential-resolver.js';

const DOWNSTREAM_TLS = 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';

const PROTOCOL_VERSION: Readonly<Record<string, string>> = { TLS_AUTO: 'TLS_AUTO', TLSV1_0: 'TLSv1_0', TLSV1_1: 'TLSv1_1', TLSV1_2: 'TLSv1_2', TLSV1_3: 'TLSv1_3' };

function tlsParams(tls: ServerTLSSettings): ProtoObject | undefined {
  const p: ProtoObject = {};
  if (tls.minProtocolVersion) p.tls_minimum_protocol_version = PROTOCOL_VERSION[tls.minProtocolVersion];
  if (tls.maxProtocolVersion) p.tls_maximum_protocol_version = PROTOCOL_VERSION[tls.maxProtocolVersion];
  if (tls.cipherSuites?.length) p.cipher_suites = [...tls.cipherSuites];
  return Object.keys(p).length > 0 ? p : undefined;
}

/**
 * DownstreamTlsContext of a terminating gateway server: SIMPLE and MUTUAL take the
 * certificate from `credentialName` (SDS over ADS, `kubernetes://<name>`; MUTUAL's CA from
 * `<name>-cacert`) or from file paths; ISTIO_MUTUAL uses the proxy's own `default` /
 * `ROOTCA`. `http` offers h2 and HTTP/1.1 by ALPN.
 */
export function downstreamTlsContext(tls: ServerTLSSettings, http: boolean): ProtoObject {
  const mode = tls.mode ?? 'SIMPLE';
  const common: ProtoObject = {};
  const credential = tls.credentialName ?? tls.credentialNames?.[0];
  if (mode === 'ISTIO_MUTUAL') {
    common.tls_certificate_sds_secret_configs = [{ name: SDS_DEFAULT, sds_config: AGENT_SDS_CONFIG }];
  } else if (credential) {
    common.tls_certificate_sds_secret_configs = [credentialSecretName(credential), ...(tls.credentialNames ?? []).slice(1).map(credentialSecretName)].map((name) => ({ name, sds_config: ADS_SDS_CONFIG }));
  } else if (tls.serverCertificate && tls.privateKey) {
    common.tls_certificates = [{ certificate_chain: { filename: tls.serverCertificate }, private_key: { filename: tls.privateKey } }];
  } else if (tls.tlsCertificates?.length) {
    common.tls_certificates = tls.tlsCertificates.map((c) => ({ certificate_chain: { filename: c.serverCertificate }, private_key: { filename: c.privateKey } }));
  }
  const mutual = mode === 'MUTUAL' || mode === 'ISTIO_MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  if (mutual) {
    const defaults: ProtoObject = {};
    if (tls.subjectAltNames?.length) defaults.match_typed_subject_alt_names = sanMatchers(tls.subjectAltNames);
    if (tls.verifyCertificateSpki?.length) defaults.verify_certificate_spki = [...tls.verifyCertificateSpki];
    if (tls.verifyCertificateHash?.length) defaults.verify_certificate_hash = [...tls.verifyCertificateHash];
    if (mode === 'ISTIO_MUTUAL') {
      common.combined_validation_context = { default_validation_context: defaults, validation_context_sds_secret_config: { name: SDS_ROOTCA, sds_config: AGENT_SDS_CONFIG } };
    } else if (credential) {
      common.combined_validation_context = { default_validation_context: defaults, validation_context_sds_secret_config: { name: credentialCaSecretName(credential), sds_config: ADS_SDS_CONFIG } };
    } else if (tls.caCertificates) {
      common.validation_context = { ...defaults, trusted_ca: { filename: tls.caCertificates }, ...(tls.caCrl ? { crl: { filename: tls.caCrl } } : {}) };
    }
  }
  const params = tlsParams(tls);
  if (params) common.tls_params = params;
  if (http) common.alpn_protocols = ['h2', 'http/1.1'];
  const ctx: ProtoObject = { common_tls_context: common };
  if (mutual) ctx.require_client_certificate = { value: mode !== 'OPTIONAL_MUTUAL' };
  return ctx;
}

/** The transport socket carrying {@link downstreamTlsContext}. */
export function downstreamTlsSocket(tls: ServerTLSSettings, http: boolean): ProtoObject {
  return { name: 'envoy.transport_sockets.tls', typed_config: anyField(DOWNSTREAM_TLS, downstreamTlsContext(tls, http)) };
}
