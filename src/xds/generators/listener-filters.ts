import { anyField, type ProtoObject } from '../protos.js';
import { FAULT_FILTER, ROUTER_FILTER } from './grpc-listeners.js';
import { CORS_FILTER } from './route-http.js';
import { pathNormalizationFields } from './hcm-hygiene.js';
import type { MeshConfig } from '../../api/kinds/mesh-config/types.js';

const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

/** Network filter names as Envoy registers them. */
export const HCM_FILTER = 'envoy.filters.network.http_connection_manager';
export const TCP_PROXY_FILTER = 'envoy.filters.network.tcp_proxy';

/** Where a tcp_proxy sends a connection: one cluster, or several by weight. */
export type TcpTarget = { readonly cluster: string } | { readonly weighted: ReadonlyArray<{ readonly name: string; readonly weight: number }> };

/** A tcp_proxy network filter. */
export function tcpProxyFilter(statPrefix: string, target: TcpTarget): ProtoObject {
  const config: ProtoObject = { stat_prefix: statPrefix };
  if ('cluster' in target) config.cluster = target.cluster;
  else config.weighted_clusters = { clusters: target.weighted.map((c) => ({ name: c.name, weight: c.weight })) };
  return { name: TCP_PROXY_FILTER, typed_config: anyField(TCP_PROXY, config) };
}

/** The HTTP filters of sidecar and gateway HCMs: CORS and fault (per-route configs need them listed), router last. */
export function httpFilters(): ProtoObject[] {
  return [
    { name: CORS_FILTER, typed_config: anyField('envoy.extensions.filters.http.cors.v3.Cors', {}) },
    { name: FAULT_FILTER, typed_config: anyField('envoy.extensions.filters.http.fault.v3.HTTPFault', {}) },
    { name: ROUTER_FILTER, typed_config: anyField('envoy.extensions.filters.http.router.v3.Router', {}) },
  ];
}

/** Options of {@link httpConnectionManagerFilter}. */
export interface HcmOptions {
  readonly statPrefix: string;
  /** RDS route configuration name (fetched over ADS)… */
  readonly rds?: string;
  /** …or an inline route configuration (inbound). */
  readonly routeConfig?: ProtoObject;
  /** Gateways trust the client address they see (`use_remote_address`), sidecars do not. */
  readonly useRemoteAddress?: boolean;
  /** Extra HTTP filters before the router (inbound seams: authn, RBAC, stats). */
  readonly httpFilters?: readonly ProtoObject[];
  /** The mesh config: its `pathNormalization` decides the path fields (BASE when absent). */
  readonly mesh?: MeshConfig;
  /** Further HCM fields of the listener class (x-forwarded-client-cert handling, trusted hops). */
  readonly fields?: ProtoObject;
}

/** An http_connection_manager network filter, websocket upgrades allowed as Istio does. */
export function httpConnectionManagerFilter(o: HcmOptions): ProtoObject {
  const config: ProtoObject = {
    stat_prefix: o.statPrefix,
    codec_type: 'AUTO',
    http_filters: o.httpFilters ? [...o.httpFilters] : httpFilters(),
    upgrade_configs: [{ upgrade_type: 'websocket' }],
    use_remote_address: { value: o.useRemoteAddress ?? false },
    ...pathNormalizationFields(o.mesh),
    ...o.fields,
  };
  if (o.rds !== undefined) config.rds = { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: o.rds };
  else config.route_config = o.routeConfig ?? { name: o.statPrefix };
  return { name: HCM_FILTER, typed_config: anyField(HCM, config) };
}

/** Listener filters by Envoy name. */
export function listenerFilter(kind: 'original_dst' | 'tls_inspector' | 'http_inspector'): ProtoObject {
  const types = {
    original_dst: 'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
    tls_inspector: 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
    http_inspector: 'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  } as const;
  return { name: `envoy.filters.listener.${kind}`, typed_config: anyField(types[kind], {}) };
}

/** A socket address. */
export function socketAddress(address: string, port: number): ProtoObject {
  return { socket_address: { address, port_value: port } };
}

/** Drops chains whose match repeats an earlier one: Envoy rejects duplicates, and the first wins (as in Istio). */
export function dedupeFilterChains(chains: readonly ProtoObject[]): ProtoObject[] {
  const seen = new Set<string>();
  return chains.filter((c) => {
    const key = JSON.stringify(c.filter_chain_match ?? {});
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
