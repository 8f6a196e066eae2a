import { packAny, type ProtoObject } from '../protos.js';
import type { GeneratedResource, Generator } from './generator.js';
import { gatewayRouteName } from './gateway-routes.js';
import { boundVirtualServices, gatewayServersByPort, serverHostNames, serverKind, type GatewayServer } from './gateway-select.js';
import { downstreamTlsSocket } from './gateway-tls.js';
import { gatewayHcmFields } from './hcm-hygiene.js';
import { securedHttpFilters, securedNetworkFilters } from './authz/inbound-security-filters.js';
import { dedupeFilterChains, httpConnectionManagerFilter, listenerFilter, socketAddress, tcpProxyFilter } from './listener-filters.js';
import { tcpRouteTarget, tlsRouteChains } from './listener-l4-routes.js';
import { hostMatches } from '../../registry/hostname.js';
import { sidecarScope, type SidecarScope } from './sidecar-scope.js';

const LISTENER = 'envoy.config.listener.v3.Listener';

/** SNI names of a server: its hosts without namespace; `*` matches any SNI, so no names. */
function sniNames(s: GatewayServer): string[] | undefined {
  const hosts = serverHostNames(s);
  return hosts.includes('*') ? undefined : hosts;
}

function withSni(match: ProtoObject, sni: string[] | undefined): ProtoObject {
  return sni ? { ...match, server_names: sni } : match;
}

/** The first bound VirtualService `tcp` route for a server. */
function tcpChainFor(scope: SidecarScope, s: GatewayServer, port: number, statPrefix: string): ProtoObject | undefined {
  for (const { vs } of boundVirtualServices(scope, s)) {
    const target = tcpRouteTarget({ scope, port, gateway: s.key }, vs);
    if (target) return { filters: securedNetworkFilters(scope, [tcpProxyFilter(statPrefix, target)]) };
  }
  return undefined;
}

/** Filter chains of one server. */
function serverChains(scope: SidecarScope, s: GatewayServer, port: number): ProtoObject[] {
  const statPrefix = `outbound_0.0.0.0_${port}`;
  switch (serverKind(s)) {
    case 'http':
      return [{ filters: [httpConnectionManagerFilter({ statPrefix, rds: gatewayRouteName(s, port), useRemoteAddress: true, mesh: scope.index.mesh, fields: gatewayHcmFields(scope.index.mesh), httpFilters: securedHttpFilters(scope) })] }];
    case 'https':
      return [{
        filter_chain_match: withSni({}, sniNames(s)),
        transport_socket: downstreamTlsSocket(s.server.tls ?? {}, true),
        filters: [httpConnectionManagerFilter({ statPrefix, rds: gatewayRouteName(s, port), useRemoteAddress: true, mesh: scope.index.mesh, fields: gatewayHcmFields(scope.index.mesh), httpFilters: securedHttpFilters(scope) })],
      }];
    case 'tls-passthrough': {
      // SNI routes of bound VirtualServices, limited to the server's hosts.
      const hosts = serverHostNames(s);
      const allow = (sni: string): boolean => hosts.some((h) => hostMatches(h, sni) || hostMatches(sni, h));
      const chains = boundVirtualServices(scope, s).flatMap(({ vs }) => tlsRouteChains({ scope, port, gateway: s.key }, vs, statPrefix, allow));
      return chains.map((c) => ({ ...c, filters: securedNetworkFilters(scope, (c.filters as ProtoObject[] | undefined) ?? []) }));
    }
    case 'tls-terminate': {
      const chain = tcpChainFor(scope, s, port, statPrefix);
      return chain ? [{ ...chain, filter_chain_match: withSni({}, sniNames(s)), transport_socket: downstreamTlsSocket(s.server.tls ?? {}, false) }] : [];
    }
    case 'tcp': {
      const chain = tcpChainFor(scope, s, port, statPrefix);
      return chain ? [chain] : [];
    }
  }
}

/**
 * Gateway listeners: one `0.0.0.0_<port>` per server port of the Gateways selecting this
 * proxy. Plain HTTP servers share one HCM chain (RDS `http.<port>`); HTTPS servers get a
 * chain each with their SNI names and DownstreamTlsContext (RDS
 * `https.<port>.<portName>.<gateway>.<ns>`); PASSTHROUGH servers get SNI chains from
 * VirtualService `tls` routes; TLS-terminating and TCP servers forward with `tcp` routes.
 */
export function gatewayListenerObjects(scope: SidecarScope): ProtoObject[] {
  const out: ProtoObject[] = [];
  for (const [port, servers] of gatewayServersByPort(scope)) {
    const chains = dedupeFilterChains(servers.flatMap((s) => serverChains(scope, s, port)));
    if (chains.length === 0) continue;
    const tls = servers.some((s) => serverKind(s) !== 'http' && serverKind(s) !== 'tcp');
    const listener: ProtoObject = {
      name: `0.0.0.0_${port}`,
      address: socketAddress('0.0.0.0', port),
      traffic_direction: 'OUTBOUND',
      filter_chains: chains,
    };
    if (tls) listener.listener_filters = [listenerFilter('tls_inspector')];
    out.push(listener);
  }
  return out;
}

/** LDS for gateways (node type `router`). */
export const gatewayListeners: Generator = (push, proxy, names) => {
  const scope = sidecarScope(push, proxy);
  const wanted = names ? new Set(names) : undefined;
  return gatewayListenerObjects(scope)
    .filter((l) => !wanted || wanted.has(l.name as string))
    .map((l): GeneratedResource => ({ name: l.name as string, resource: packAny(LISTENER, l) }));
};
