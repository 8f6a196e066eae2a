import type { ClientTLSSettings } from '../../api/kinds/destination-rule/types.js';
import type { ServiceModel } from '../../registry/model.js';
import { anyField, type ProtoObject } from '../protos.js';
import { jsonToStruct } from '../struct.js';
import { CONFIGMAP_PREFIX, credentialCaSecretName, credentialSecretName } from './credential-resolver.js';

const UPSTREAM_TLS = 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const RAW_BUFFER = 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';

/** SDS names of the workload certificate and the trust bundle (Istio's). */
export const SDS_DEFAULT = 'default';
export const SDS_ROOTCA = 'ROOTCA';

/**
 * Where a sidecar fetches its own certificate: the agent's SDS service, reached through
 * the bootstrap cluster `sds-grpc`, as Istio's sidecars do.
 */
export const AGENT_SDS_CONFIG: ProtoObject = {
  api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', set_node_on_first_message_only: true, grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] },
  resource_api_version: 'V3',
};

/** Credentials (`credentialName`) are served by the controller over ADS, as istiod serves them. */
export const ADS_SDS_CONFIG: ProtoObject = { ads: {}, resource_api_version: 'V3' };

/** ALPN Istio offers to a peer sidecar (metadata exchange, then the mesh marker). */
const ALPN_IN_MESH = ['istio-peer-exchange', 'istio'];
const ALPN_IN_MESH_H2 = ['istio-peer-exchange', 'istio', 'h2'];

/** `spiffe://<td>/ns/<ns>/sa/<sa>` for every service account behind a service. */
export function serviceSpiffeIds(service: ServiceModel, trustDomain: string): string[] {
  const ids = new Set<string>();
  for (const e of service.endpoints) ids.add(`spiffe://${trustDomain}/ns/${e.namespace}/sa/${e.serviceAccount}`);
  return [...ids].sort();
}

/** Typed SAN matchers: URI for SPIFFE ids, DNS otherwise. */
export function sanMatchers(sans: readonly string[]): ProtoObject[] {
  return sans.map((s) => ({ san_type: s.startsWith('spiffe://') ? 'URI' : 'DNS', matcher: { exact: s } }));
}

/** Istio's SNI for mesh mTLS: `outbound_.9080_.v1_.reviews.default.svc.cluster.local`. */
export function istioMtlsSni(port: number, subset: string, hostname: string): string {
  return `outbound_.${port}_.${subset}_.${hostname}`;
}

/** What an upstream TLS context is built for. */
export interface UpstreamTlsTarget {
  readonly service: ServiceModel;
  readonly port: number;
  readonly subset: string;
  readonly trustDomain: string;
  readonly http2: boolean;
  /**
   * Whether `credentialName` applies to this proxy: always on gateways; on sidecars only for a
   * DestinationRule with a workloadSelector (Istio's rule). Default true.
   */
  readonly useCredentialName?: boolean;
}

/** ISTIO_MUTUAL: workload cert and root from SDS, peer SAN = the destination's SPIFFE ids. */
function istioMutual(tls: ClientTLSSettings | undefined, t: UpstreamTlsTarget): ProtoObject {
  const sans = tls?.subjectAltNames && tls.subjectAltNames.length > 0 ? tls.subjectAltNames : serviceSpiffeIds(t.service, t.trustDomain);
  const defaultValidation: ProtoObject = sans.length > 0 ? { match_typed_subject_alt_names: sanMatchers(sans) } : {};
  return {
    common_tls_context: {
      tls_certificate_sds_secret_configs: [{ name: SDS_DEFAULT, sds_config: AGENT_SDS_CONFIG }],
      combined_validation_context: {
        default_validation_context: defaultValidation,
        validation_context_sds_secret_config: { name: SDS_ROOTCA, sds_config: AGENT_SDS_CONFIG },
      },
      alpn_protocols: t.http2 ? ALPN_IN_MESH_H2 : ALPN_IN_MESH,
    },
    sni: tls?.sni || istioMtlsSni(t.port, t.subset, t.service.hostname),
  };
}

/**
 * SIMPLE / MUTUAL origination. With `credentialName` the client certificate is SDS
 * `kubernetes://NAME` (MUTUAL) and the CA `kubernetes://NAME-cacert` (the Secret's `ca.crt` /
 * `cacert`, or a separate `NAME-cacert` Secret), both over ADS; otherwise the files
 * `clientCertificate`, `privateKey`, `caCertificates` (and `caCrl`).
 */
function originate(tls: ClientTLSSettings, t: UpstreamTlsTarget): ProtoObject {
  const common: ProtoObject = {};
  const credential = t.useCredentialName !== false && tls.credentialName ? tls.credentialName : undefined;
  const sans = tls.subjectAltNames && tls.subjectAltNames.length > 0 ? sanMatchers(tls.subjectAltNames) : undefined;
  if (credential) {
    // A ConfigMap credential holds only a CA: no client certificate comes from it.
    const configMap = credential.startsWith(CONFIGMAP_PREFIX);
    if (tls.mode === 'MUTUAL' && !configMap) common.tls_certificate_sds_secret_configs = [{ name: credentialSecretName(credential), sds_config: ADS_SDS_CONFIG }];
    if (!tls.insecureSkipVerify) {
      common.combined_validation_context = {
        default_validation_context: sans ? { match_typed_subject_alt_names: sans } : {},
        validation_context_sds_secret_config: { name: configMap ? credential : credentialCaSecretName(credential), sds_config: ADS_SDS_CONFIG },
      };
    }
  } else {
    if (tls.mode === 'MUTUAL' && tls.clientCertificate && tls.privateKey) {
      common.tls_certificates = [{ certificate_chain: { filename: tls.clientCertificate }, private_key: { filename: tls.privateKey } }];
    }
    if (!tls.insecureSkipVerify) {
      const validation: ProtoObject = {};
      if (tls.caCertificates) validation.trusted_ca = { filename: tls.caCertificates };
      if (sans) validation.match_typed_subject_alt_names = sans;
      if (tls.caCrl) validation.crl = { filename: tls.caCrl };
      if (Object.keys(validation).length > 0) common.validation_context = validation;
    }
  }
  if (t.http2) common.alpn_protocols = ['h2'];
  const ctx: ProtoObject = { common_tls_context: common };
  // Istio sends the service host as SNI when the user gives none (for SIMPLE to external hosts).
  ctx.sni = tls.sni || (t.service.hostname.startsWith('*') ? '' : t.service.hostname);
  if (ctx.sni === '') delete ctx.sni;
  return ctx;
}

function tlsSocket(ctx: ProtoObject): ProtoObject {
  return { name: 'envoy.transport_sockets.tls', typed_config: anyField(UPSTREAM_TLS, ctx) };
}

/**
 * Upstream TLS for a cluster. An explicit DestinationRule mode wins (DISABLE, SIMPLE,
 * MUTUAL, ISTIO_MUTUAL). Without one, auto-mTLS (mesh-internal services, when the mesh
 * enables it) adds `transport_socket_matches`: endpoints whose metadata carries
 * `tlsMode: istio` get ISTIO_MUTUAL, the rest plaintext.
 */
export function applyUpstreamTls(cluster: ProtoObject, tls: ClientTLSSettings | undefined, t: UpstreamTlsTarget, autoMtls: boolean): void {
  const mode = tls?.mode;
  if (mode === 'DISABLE') return;
  if (mode === 'ISTIO_MUTUAL') {
    cluster.transport_socket = tlsSocket(istioMutual(tls, t));
    return;
  }
  if (mode === 'SIMPLE' || mode === 'MUTUAL') {
    cluster.transport_socket = tlsSocket(originate(tls!, t));
    return;
  }
  if (!autoMtls || t.service.location !== 'MESH_INTERNAL') return;
  cluster.transport_socket_matches = [
    { name: 'tlsMode-istio', match: jsonToStruct({ tlsMode: 'istio' }), transport_socket: tlsSocket(istioMutual(tls, t)) },
    { name: 'tlsMode-disabled', match: jsonToStruct({}), transport_socket: { name: 'envoy.transport_sockets.raw_buffer', typed_config: anyField(RAW_BUFFER, {}) } },
  ];
}
