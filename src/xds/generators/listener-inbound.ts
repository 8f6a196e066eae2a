import type { ProtoObject } from '../protos.js';
import { clusterName } from './cluster-name.js';
import { httpConnectionManagerFilter, listenerFilter, socketAddress, tcpProxyFilter } from './listener-filters.js';
import { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER } from './sidecar-clusters.js';
import type { SidecarScope } from './sidecar-scope.js';
import { inboundPorts, type InboundPort } from './sidecar-workload.js';
import { isHttpProtocol } from '../../registry/protocol.js';

/** Istio's inbound capture port. */
export const VIRTUAL_INBOUND_PORT = 15006;
const ZERO = { seconds: 0, nanos: 0 };
const SNIFFED_HTTP = ['http/1.1', 'h2c'];

/**
 * SEAM for the identity issue: the downstream TLS of one inbound port (PeerAuthentication
 * STRICT / PERMISSIVE → a DownstreamTlsContext with SDS `default` / `ROOTCA`, and for
 * PERMISSIVE an extra plaintext chain matched by `transport_protocol`). Today every inbound
 * chain is plaintext: returning undefined leaves the chain without a transport socket.
 */
export function inboundTransportSocket(_scope: SidecarScope, _port: InboundPort): ProtoObject | undefined {
  return undefined;
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

function portChains(scope: SidecarScope, p: InboundPort): ProtoObject[] {
  const cluster = clusterName('inbound', p.port, '', '');
  const name = `inbound_0.0.0.0_${p.port}`;
  const socket = inboundTransportSocket(scope, p);
  const withSocket = (chain: ProtoObject): ProtoObject => (socket ? { ...chain, transport_socket: socket } : chain);
  const http = (match: ProtoObject): ProtoObject => withSocket({
    name,
    filter_chain_match: match,
    filters: [httpConnectionManagerFilter({ statPrefix: name, routeConfig: inboundRouteConfig(p.port), useRemoteAddress: false })],
  });
  const tcp = (match: ProtoObject): ProtoObject => withSocket({ name, filter_chain_match: match, filters: [tcpProxyFilter(cluster, { cluster })] });
  const dest = { destination_port: { value: p.port } };
  if (isHttpProtocol(p.protocol)) return [http(dest)];
  // Unknown protocol: Istio sniffs; HTTP when the inspector recognises it, TCP otherwise.
  if (p.protocol === 'UNKNOWN') return [http({ ...dest, application_protocols: SNIFFED_HTTP }), tcp(dest)];
  return [tcp(dest)];
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
  chains.push({ name: 'virtualInbound', filter_chain_match: {}, filters: [tcpProxyFilter(INBOUND_PASSTHROUGH_CLUSTER, { cluster: INBOUND_PASSTHROUGH_CLUSTER })] });
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
