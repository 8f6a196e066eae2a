import type {
  ClusterConfig,
  ClusterLoadAssignment,
  FilterChain,
  ListenerConfig,
  NetworkFilter,
  PathMatch,
  Route,
  RouteConfiguration,
  SecretConfig,
  SocketAddress,
  WeightedCluster,
} from '../config/model.js';
import { RESOURCE_TYPE } from './admin-type-urls.js';

/** A JSON object in Envoy's proto field names. */
export type EnvoyJson = Record<string, unknown>;

/** What Envoy prints instead of a private key (`[redacted]`, base64). */
export const REDACTED_BYTES = Buffer.from('[redacted]').toString('base64');

/** Milliseconds as a proto Duration's JSON (`1.5s`). */
export function durationJson(ms: number): string {
  return `${ms / 1000}s`;
}

function socketAddress(a: SocketAddress): EnvoyJson {
  return { socket_address: { address: a.address, port_value: a.port } };
}

function weighted(clusters: readonly WeightedCluster[]): EnvoyJson {
  if (clusters.length === 1) return { cluster: clusters[0].name };
  return { weighted_clusters: { clusters: clusters.map((c) => ({ name: c.name, weight: c.weight })) } };
}

/**
 * These converters serve resources that never came over xDS (a static snapshot, the agent's
 * local secrets): the xDS ones are dumped from what the controller actually sent. They keep
 * the fields `proxy-config` and people read, not every field of the model.
 */
export function clusterJson(c: ClusterConfig): EnvoyJson {
  return {
    '@type': RESOURCE_TYPE.cluster,
    name: c.name,
    type: c.type,
    ...(c.type === 'EDS' ? { eds_cluster_config: { eds_config: { ads: {} }, service_name: c.name } } : {}),
    connect_timeout: durationJson(c.connectTimeoutMs),
    lb_policy: c.lbPolicy,
    circuit_breakers: {
      thresholds: [{ max_connections: c.circuitBreakers.maxConnections, max_pending_requests: c.circuitBreakers.maxPendingRequests, max_requests: c.circuitBreakers.maxRequests, max_retries: c.circuitBreakers.maxRetries }],
    },
    ...(c.loadAssignment ? { load_assignment: endpointsJson(c.loadAssignment, false) } : {}),
    ...(c.tls ? { transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { sni: c.tls.sni ?? '', istio_mutual: c.tls.istioMutual } } } : {}),
    ...(c.serviceName ? { metadata: { filter_metadata: { istio: { services: [{ host: c.serviceName }] } } } } : {}),
  };
}

export function endpointsJson(a: ClusterLoadAssignment, typed = true): EnvoyJson {
  return {
    ...(typed ? { '@type': RESOURCE_TYPE.endpoint } : {}),
    cluster_name: a.clusterName,
    endpoints: a.localities.map((l) => ({
      locality: { ...(l.locality.region ? { region: l.locality.region } : {}), ...(l.locality.zone ? { zone: l.locality.zone } : {}), ...(l.locality.subZone ? { sub_zone: l.locality.subZone } : {}) },
      lb_endpoints: l.endpoints.map((e) => ({
        endpoint: { address: socketAddress(e.address), ...(e.hostname ? { hostname: e.hostname } : {}) },
        health_status: e.health,
        load_balancing_weight: e.weight,
      })),
      load_balancing_weight: l.weight,
      ...(l.priority ? { priority: l.priority } : {}),
    })),
  };
}

function networkFilterJson(f: NetworkFilter): EnvoyJson {
  switch (f.kind) {
    case 'tcp_proxy':
      return { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': RESOURCE_TYPE.tcpProxy, stat_prefix: f.statPrefix, ...weighted(f.clusters) } };
    case 'http_connection_manager':
      return {
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': RESOURCE_TYPE.httpConnectionManager,
          stat_prefix: f.statPrefix,
          ...(f.rdsName !== undefined ? { rds: { config_source: { ads: {} }, route_config_name: f.rdsName } } : {}),
          ...(f.routeConfig ? { route_config: routeConfigJson(f.routeConfig, false) } : {}),
          http_filters: f.httpFilters.map((h) => ({ name: h.name, typed_config: { '@type': h.typeUrl } })),
        },
      };
    case 'network_rbac':
      return { name: 'envoy.filters.network.rbac', typed_config: { stat_prefix: f.statPrefix } };
  }
}

function filterChainJson(fc: FilterChain): EnvoyJson {
  const m = fc.match;
  const match: EnvoyJson = {
    ...(m.destinationPort !== undefined ? { destination_port: m.destinationPort } : {}),
    ...(m.serverNames?.length ? { server_names: m.serverNames } : {}),
    ...(m.transportProtocol ? { transport_protocol: m.transportProtocol } : {}),
    ...(m.applicationProtocols?.length ? { application_protocols: m.applicationProtocols } : {}),
    ...(m.prefixRanges?.length ? { prefix_ranges: m.prefixRanges.map((r) => ({ address_prefix: r.addressPrefix, prefix_len: r.prefixLen })) } : {}),
  };
  return {
    name: fc.name,
    filter_chain_match: match,
    filters: fc.filters.map(networkFilterJson),
    ...(fc.tls ? { transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { require_client_certificate: fc.tls.requireClientCertificate, alpn_protocols: fc.tls.alpnProtocols } } } : {}),
  };
}

export function listenerJson(l: ListenerConfig): EnvoyJson {
  return {
    '@type': RESOURCE_TYPE.listener,
    name: l.name,
    address: socketAddress(l.address),
    filter_chains: l.filterChains.map(filterChainJson),
    ...(l.defaultFilterChain ? { default_filter_chain: filterChainJson(l.defaultFilterChain) } : {}),
    ...(l.useOriginalDst ? { use_original_dst: true } : {}),
    ...(!l.bindToPort ? { bind_to_port: false } : {}),
  };
}

function pathJson(p: PathMatch): EnvoyJson {
  switch (p.kind) {
    case 'prefix': return { prefix: p.value };
    case 'path': return { path: p.value };
    case 'regex': return { safe_regex: { regex: p.value } };
    case 'path_separated_prefix': return { path_separated_prefix: p.value };
  }
}

function routeJson(r: Route): EnvoyJson {
  const a = r.action;
  const action: EnvoyJson =
    a.kind === 'route' ? { route: { ...weighted(a.clusters), timeout: durationJson(a.timeoutMs) } }
      : a.kind === 'redirect' ? { redirect: { ...(a.hostRedirect ? { host_redirect: a.hostRedirect } : {}), ...(a.pathRedirect ? { path_redirect: a.pathRedirect } : {}) } }
        : { direct_response: { status: a.status, ...(a.body !== undefined ? { body: { inline_string: a.body } } : {}) } };
  return { ...(r.name ? { name: r.name } : {}), match: pathJson(r.match.path), ...action, ...(r.decorator ? { decorator: { operation: r.decorator } } : {}) };
}

export function routeConfigJson(rc: RouteConfiguration, typed = true): EnvoyJson {
  return {
    ...(typed ? { '@type': RESOURCE_TYPE.route } : {}),
    name: rc.name,
    virtual_hosts: rc.virtualHosts.map((vh) => ({ name: vh.name, domains: vh.domains, routes: vh.routes.map(routeJson) })),
  };
}

/** A secret as Envoy dumps it: certificates in full, the private key never. */
export function secretJson(s: SecretConfig): EnvoyJson {
  const bytes = (pem: string): EnvoyJson => ({ inline_bytes: Buffer.from(pem).toString('base64') });
  return {
    '@type': RESOURCE_TYPE.secret,
    name: s.name,
    ...(s.certificateChain !== undefined
      ? { tls_certificate: { certificate_chain: bytes(s.certificateChain), ...(s.privateKey !== undefined ? { private_key: { inline_bytes: REDACTED_BYTES } } : {}) } }
      : {}),
    ...(s.trustedCa !== undefined ? { validation_context: { trusted_ca: bytes(s.trustedCa) } } : {}),
  };
}
