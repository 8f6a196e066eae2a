import { anyField, type ProtoObject } from '../protos.js';
import { AGENT_SDS_CONFIG, SDS_DEFAULT, SDS_ROOTCA } from './cluster-tls.js';
import { inboundMtlsMode } from './inbound-mtls-mode.js';
import { sidecarInboundClientCertFields, trustDomainSanMatchers, trustDomainsForValidation } from './hcm-hygiene.js';
import { clusterName } from './cluster-name.js';
import { securedHttpFilters, securedNetworkFilters } from './authz/inbound-security-filters.js';
import { httpConnectionManagerFilter, listenerFilter, socketAddress, tcpProxyFilter } from './listener-filters.js';
import { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER } from './sidecar-clusters.js';
import type { SidecarScope } from './sidecar-scope.js';
import { inboundPorts, type InboundPort } from './sidecar-workload.js';
import { isHttpProtocol } from '../../registry/protocol.js';

/** Istio's inbound capture port. */
export const VIRTUAL_INBOUND_PORT = 15006;
const ZERO = { seconds: 0, nanos: 0 };
const SNIFFED_HTTP = ['http/1.1', 'h2c'];

const DOWNSTREAM_TLS = 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
/** What a peer sidecar offers (cluster-tls.ts) plus plain HTTP clients of a TLS port. */
const INBOUND_ALPN = ['istio-peer-exchange', 'istio', 'h2', 'http/1.1'];
/** ALPN values a Plexus or Istio sidecar offers on mesh mTLS connections. */
const MESH_ALPN = ['istio-peer-exchange', 'istio'];

/**
 * The downstream TLS of one inbound port: the workload certificate (SDS `default`) and a
 * required client certificate validated against the trust bundle (SDS `ROOTCA`) whose SPIFFE
 * id is in a mesh trust domain or alias, as Istio's inbound mTLS chains. Undefined when PeerAuthentication turns mTLS off for the port.
 */
export function inboundTransportSocket(scope: SidecarScope, port: InboundPort): ProtoObject | undefined {
  if (inboundMtlsMode(scope.push, scope.proxy, port.port) === 'DISABLE') return undefined;
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: anyField(DOWNSTREAM_TLS, {
      common_tls_context: {
        tls_certificate_sds_secret_configs: [{ name: SDS_DEFAULT, sds_config: AGENT_SDS_CONFIG }],
        combined_validation_context: {
          // Only peers of the mesh's trust domains (and aliases), as istiod restricts inbound mTLS.
          default_validation_context: { match_subject_alt_names: trustDomainSanMatchers(trustDomainsForValidation(scope.trustDomain, scope.index.mesh)) },
          validation_context_sds_secret_config: { name: SDS_ROOTCA, sds_config: AGENT_SDS_CONFIG },
        },
        alpn_protocols: INBOUND_ALPN,
      },
      require_client_certificate: { value: true },
    }),
  };
}

/** The inline route configuration of an inbound HTTP chain: everything to `inbound|<port>||`. */
export function inboundRouteConfig(port: number): ProtoObject {
  const cluster = clusterName('inbound', port, '', '');
  return {
    name: cluster,
    virtual_hosts: [{
      name: `inbound|http|${port}`,
      domains: ['*'],
      routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster, timeout: ZERO, max_stream_duration: { max_stream_duration: ZERO, grpc_timeout_header_max: ZERO } } }],
    }],
    validate_clusters: { value: false },
  };
}

/** The filter chains of one workload port (TLS and/or plaintext per PeerAuthentication), matched by destination port. */
export function portChains(scope: SidecarScope, p: InboundPort): ProtoObject[] {
  const cluster = clusterName('inbound', p.port, '', '');
  const name = `inbound_0.0.0.0_${p.port}`;
  const socket = inboundTransportSocket(scope, p);
  const http = (match: ProtoObject, tls?: ProtoObject): ProtoObject => ({
    name,
    filter_chain_match: match,
    filters: [httpConnectionManagerFilter({ statPrefix: name, routeConfig: inboundRouteConfig(p.port), useRemoteAddress: false, mesh: scope.index.mesh, fields: sidecarInboundClientCertFields(), httpFilters: securedHttpFilters(scope) })],
    ...(tls ? { transport_socket: tls } : {}),
  });
  const tcp = (match: ProtoObject, tls?: ProtoObject): ProtoObject => ({ name, filter_chain_match: match, filters: securedNetworkFilters(scope, [tcpProxyFilter(cluster, { cluster })]), ...(tls ? { transport_socket: tls } : {}) });
  const dest = { destination_port: { value: p.port } };
  const plain = (extra: ProtoObject): ProtoObject[] => {
    const m = { ...dest, ...extra };
    if (isHttpProtocol(p.protocol)) return [http(m)];
    // Unknown protocol: Istio sniffs; HTTP when the inspector recognises it, TCP otherwise.
    if (p.protocol === 'UNKNOWN') return [http({ ...m, application_protocols: SNIFFED_HTTP }), tcp(m)];
    return [tcp(m)];
  };
  if (!socket) return plain({});
  const mtls = { ...dest, transport_protocol: 'tls' };
  const secured = isHttpProtocol(p.protocol) ? [http(mtls, socket)] : [tcp(mtls, socket)];
  // STRICT: only the TLS chain, so plaintext matches no chain and is closed. PERMISSIVE: both,
  // told apart by the TLS inspector as Envoy does.
  if (inboundMtlsMode(scope.push, scope.proxy, p.port) === 'STRICT') return secured;
  // PERMISSIVE: only mesh TLS (Istio's ALPN) is terminated; plaintext gets the plain chains and
  // a non-mesh client's own TLS passes through to the app untouched, as with Istio.
  const meshTls = { ...mtls, application_protocols: MESH_ALPN };
  const securedMesh = isHttpProtocol(p.protocol) ? [http(meshTls, socket)] : [tcp(meshTls, socket)];
  return [...securedMesh, ...plain({ transport_protocol: 'raw_buffer' }), tcp({ ...dest, transport_protocol: 'tls' })];
}

/**
 * `virtualInbound` (15006): the original destination port selects a chain per workload
 * port (HTTP → HCM with an inline route to `inbound|<port>||`, TCP → tcp_proxy); traffic
 * to 15006 itself is black-holed and anything else passes through to the original
 * destination via `InboundPassthroughCluster`.
 */
export function virtualInboundListener(scope: SidecarScope): ProtoObject {
  const chains: ProtoObject[] = [
    { name: 'virtualInbound-blackhole', filter_chain_match: { destination_port: { value: VIRTUAL_INBOUND_PORT } }, filters: [tcpProxyFilter(BLACKHOLE_CLUSTER, { cluster: BLACKHOLE_CLUSTER })] },
  ];
  for (const p of inboundPorts(scope)) chains.push(...portChains(scope, p));
  // Ports the workload does not declare pass through, under the same policies (as istiod's passthrough chains).
  chains.push({ name: 'virtualInbound', filter_chain_match: {}, filters: securedNetworkFilters(scope, [tcpProxyFilter(INBOUND_PASSTHROUGH_CLUSTER, { cluster: INBOUND_PASSTHROUGH_CLUSTER })]) });
  return {
    name: 'virtualInbound',
    address: socketAddress('0.0.0.0', VIRTUAL_INBOUND_PORT),
    traffic_direction: 'INBOUND',
    listener_filters: [listenerFilter('original_dst'), listenerFilter('tls_inspector'), listenerFilter('http_inspector')],
    listener_filters_timeout: { seconds: 0, nanos: 0 },
    continue_on_listener_filters_timeout: true,
    filter_chains: chains,
  };
}
