import type { MeshConfig } from '../../api/kinds/mesh-config/types.js';
import type { ServiceModel, ServicePort } from '../../registry/model.js';
import { packAny, type ProtoObject } from '../protos.js';
import { clusterName } from './cluster-name.js';
import type { GeneratedResource, Generator } from './generator.js';
import { explicitInterception } from './explicit-interception.js';
import { virtualInboundListener } from './listener-inbound.js';
import { explicitListeners } from './sidecar-explicit-listeners.js';
import { dedupeFilterChains, httpConnectionManagerFilter, listenerFilter, socketAddress, tcpProxyFilter } from './listener-filters.js';
import { tcpRouteTarget, tlsRouteChains } from './listener-l4-routes.js';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER } from './sidecar-clusters.js';
import { isOutboundHttpPort } from './sidecar-routes.js';
import { sidecarScope, type SidecarScope } from './sidecar-scope.js';

const LISTENER = 'envoy.config.listener.v3.Listener';

/** Istio's outbound capture port. */
export const VIRTUAL_OUTBOUND_PORT = 15001;
const WILDCARD = '0.0.0.0';

function isTlsPort(p: ServicePort): boolean {
  return p.protocol === 'TLS' || p.protocol === 'HTTPS';
}

/** An outbound listener: not bound itself; virtualOutbound hands connections over by original destination. */
function outboundListener(address: string, port: number, chains: ProtoObject[], listenerFilters?: ProtoObject[]): ProtoObject {
  const l: ProtoObject = {
    name: `${address}_${port}`,
    address: socketAddress(address, port),
    traffic_direction: 'OUTBOUND',
    bind_to_port: { value: false },
    filter_chains: chains,
  };
  if (listenerFilters) {
    l.listener_filters = listenerFilters;
    l.continue_on_listener_filters_timeout = true;
  }
  return l;
}

/** The HTTP listener `0.0.0.0_<port>` (RDS `<port>`); unknown protocols are sniffed, non-HTTP falls through to passthrough. */
function httpListener(port: number, sniff: boolean, mesh: MeshConfig): ProtoObject {
  const statPrefix = `outbound_${WILDCARD}_${port}`;
  const hcm = httpConnectionManagerFilter({ statPrefix, rds: String(port), mesh });
  if (!sniff) return outboundListener(WILDCARD, port, [{ filters: [hcm] }]);
  return outboundListener(WILDCARD, port, [
    { filter_chain_match: { application_protocols: ['http/1.1', 'h2c'] }, filters: [hcm] },
    { name: 'PassthroughFilterChain', filter_chain_match: {}, filters: [tcpProxyFilter(PASSTHROUGH_CLUSTER, { cluster: PASSTHROUGH_CLUSTER })] },
  ], [listenerFilter('http_inspector')]);
}

/** tcp_proxy to the VirtualService's `tcp` route, else to the service's default cluster. */
function tcpChain(scope: SidecarScope, service: ServiceModel, port: number, match: ProtoObject | undefined): ProtoObject {
  const vs = scope.virtualServiceFor(service.hostname);
  const target = (vs ? tcpRouteTarget({ scope, port }, vs) : undefined) ?? { cluster: clusterName('outbound', port, '', service.hostname) };
  const statPrefix = 'cluster' in target ? target.cluster : clusterName('outbound', port, '', service.hostname);
  const chain: ProtoObject = { filters: [tcpProxyFilter(statPrefix, target)] };
  if (match) chain.filter_chain_match = match;
  return chain;
}

/** SNI chains of the service's VirtualService `tls` routes, then its own host name. */
function tlsChains(scope: SidecarScope, service: ServiceModel, port: number, byVip: boolean): ProtoObject[] {
  const vs = scope.virtualServiceFor(service.hostname);
  const cluster = clusterName('outbound', port, '', service.hostname);
  const chains = vs ? tlsRouteChains({ scope, port }, vs, cluster) : [];
  // Behind a VIP the destination is already known; without one the SNI must pick the service.
  if (byVip) chains.push(tcpChain(scope, service, port, undefined));
  else if (!service.hostname.startsWith('*')) chains.push(tcpChain(scope, service, port, { server_names: [service.hostname] }));
  return chains;
}

/**
 * Outbound listeners of a sidecar, Istio-named: `0.0.0.0_<port>` for HTTP ports (one per
 * port, shared by every service on it), `<VIP>_<port>` for TCP and TLS ports (or
 * `0.0.0.0_<port>` for services without a VIP; TLS ones share it, matched by SNI).
 */
export function outboundListeners(scope: SidecarScope): ProtoObject[] {
  const http = new Map<number, boolean>();
  const l4 = new Map<string, { address: string; port: number; chains: ProtoObject[]; tls: boolean }>();
  for (const service of scope.services) {
    for (const p of service.ports) {
      if (p.protocol === 'UDP') continue;
      if (isOutboundHttpPort(p)) {
        http.set(p.port, (http.get(p.port) ?? false) || p.protocol === 'UNKNOWN');
        continue;
      }
      const addresses = service.addresses.length > 0 ? service.addresses : [WILDCARD];
      for (const address of addresses) {
        const key = `${address}_${p.port}`;
        const tls = isTlsPort(p);
        const chains = tls ? tlsChains(scope, service, p.port, address !== WILDCARD) : [tcpChain(scope, service, p.port, undefined)];
        const existing = l4.get(key);
        // Two plain TCP services on one address and port cannot be told apart: the first (by host) wins.
        if (existing) {
          if (existing.tls && tls && address === WILDCARD) existing.chains.push(...chains);
          continue;
        }
        l4.set(key, { address, port: p.port, chains, tls });
      }
    }
  }
  const out: ProtoObject[] = [...http.entries()].sort(([a], [b]) => a - b).map(([port, sniff]) => httpListener(port, sniff, scope.index.mesh));
  for (const l of l4.values()) {
    if (l.address === WILDCARD && http.has(l.port)) continue;
    out.push(outboundListener(l.address, l.port, dedupeFilterChains(l.chains), l.tls ? [listenerFilter('tls_inspector')] : undefined));
  }
  return out;
}

/**
 * `virtualOutbound` (15001): captured connections are handed to the listener of their
 * original destination; what matches none takes the passthrough chain — to
 * `PassthroughCluster` (ALLOW_ANY) or `BlackHoleCluster` (REGISTRY_ONLY).
 */
export function virtualOutboundListener(scope: SidecarScope): ProtoObject {
  const fallback = scope.outboundPolicy === 'REGISTRY_ONLY' ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER;
  return {
    name: 'virtualOutbound',
    address: socketAddress(WILDCARD, VIRTUAL_OUTBOUND_PORT),
    traffic_direction: 'OUTBOUND',
    use_original_dst: { value: true },
    filter_chains: [
      { name: 'virtualOutbound-blackhole', filter_chain_match: { destination_port: { value: VIRTUAL_OUTBOUND_PORT } }, filters: [tcpProxyFilter(BLACKHOLE_CLUSTER, { cluster: BLACKHOLE_CLUSTER })] },
      { name: 'PassthroughFilterChain', filter_chain_match: {}, filters: [tcpProxyFilter(fallback, { cluster: fallback })] },
    ],
  };
}

/**
 * LDS for sidecars: outbound per-port listeners, `virtualOutbound` and `virtualInbound`; for
 * explicit-mode sidecars (`INTERCEPTION_MODE: NONE`, no capture to hand connections over) the
 * bound HTTP proxy listener, one bound inbound listener per workload port and one bound
 * listener per port forward instead.
 */
export const sidecarListeners: Generator = (push, proxy, names) => {
  const scope = sidecarScope(push, proxy);
  const explicit = explicitInterception(proxy);
  const all = explicit
    ? explicitListeners(scope, explicit)
    : [...outboundListeners(scope), virtualOutboundListener(scope), virtualInboundListener(scope)];
  const wanted = names ? new Set(names) : undefined;
  const out: GeneratedResource[] = [];
  for (const l of all) if (!wanted || wanted.has(l.name as string)) out.push({ name: l.name as string, resource: packAny(LISTENER, l) });
  return out;
};
