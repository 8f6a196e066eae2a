import type { ServiceModel, ServicePort } from '../../registry/model.js';
import { isHttpProtocol } from '../../registry/protocol.js';
import type { ProtoObject } from '../protos.js';
import { clusterName } from './cluster-name.js';
import { EXPLICIT_BIND_ADDRESS, type ExplicitForward, type ExplicitInterception } from './explicit-interception.js';
import { resolveRequestedHost } from './grpc-hosts.js';
import { dedupeFilterChains, httpConnectionManagerFilter, listenerFilter, socketAddress, tcpProxyFilter } from './listener-filters.js';
import { tcpRouteTarget, tlsRouteChains } from './listener-l4-routes.js';
import { sidecarDefaultRoute } from './route-http.js';
import { BLACKHOLE_CLUSTER } from './sidecar-clusters.js';
import { clusterPolicy } from './sidecar-endpoints.js';
import { outboundVirtualHosts, sidecarDomains } from './sidecar-routes.js';
import type { SidecarScope } from './sidecar-scope.js';

/** The port an authority leaves out for plain HTTP. */
const DEFAULT_HTTP_PORT = 80;

/** A forward whose service (and port) the proxy can see and reach. */
export interface ResolvedForward {
  readonly forward: ExplicitForward;
  readonly service: ServiceModel;
  readonly servicePort: ServicePort;
}

/** The RDS name of an HTTP forward's route configuration. */
export function forwardRouteName(local: number): string {
  return `forward_${local}`;
}

/** The bound listener of a forward, as Istio names listeners by address and port. */
export function forwardListenerName(local: number): string {
  return `${EXPLICIT_BIND_ADDRESS}_${local}`;
}

/**
 * The service a forward stands for, resolved as the workload would resolve the name
 * (short names in its namespace, `name.ns`, `name.ns.svc`, full hosts) among the services it
 * can see. Undefined when there is none yet, when the port is not one of the service's, for
 * UDP, and for services without endpoints of their own (`resolution: NONE`, headless, or a
 * DestinationRule's `simple: PASSTHROUGH`): their ORIGINAL_DST cluster would send the
 * connection back to the forward itself.
 */
export function resolveForward(scope: SidecarScope, forward: ExplicitForward): ResolvedForward | undefined {
  const found = resolveRequestedHost(scope.push, scope.proxy, forward.host);
  const service = found ? scope.serviceFor(found.hostname) : undefined;
  if (!service || service.resolution === 'NONE' || service.hostname.startsWith('*')) return undefined;
  const servicePort = service.ports.find((p) => p.port === forward.port);
  if (!servicePort || servicePort.protocol === 'UDP') return undefined;
  // `simple: PASSTHROUGH` makes the default cluster ORIGINAL_DST as well.
  if (clusterPolicy(scope, service.hostname, servicePort.port, '')?.loadBalancer?.simple === 'PASSTHROUGH') return undefined;
  return { forward, service, servicePort };
}

/** The forwards of an explicit-mode proxy that resolve, in their order. */
export function resolvedForwards(scope: SidecarScope, explicit: ExplicitInterception): ResolvedForward[] {
  return (explicit.forwards ?? []).map((f) => resolveForward(scope, f)).filter((r): r is ResolvedForward => r !== undefined);
}

/** Whether a forward is served by an HTTP connection manager (and so has a route configuration). */
export function isHttpForward(r: ResolvedForward): boolean {
  return isHttpProtocol(r.servicePort.protocol);
}

/**
 * The authority a request through a forward carries upstream: the service's host, with its
 * port unless it is 80 (what a client that named the service would have sent). The app's own
 * authority, `127.0.0.1:<local>`, names a port of its sidecar: meaningless, or wrong, to a
 * peer (virtual hosting, absolute URLs, AuthorizationPolicy `hosts`).
 */
export function forwardAuthority(r: ResolvedForward): string {
  return r.servicePort.port === DEFAULT_HTTP_PORT ? r.service.hostname : `${r.service.hostname}:${r.servicePort.port}`;
}

/** Routes that forward get `host_rewrite_literal` unless the VirtualService rewrites the authority itself. */
function withAuthority(routes: readonly ProtoObject[], authority: string): ProtoObject[] {
  return routes.map((r) => {
    const action = r.route as ProtoObject | undefined;
    if (!action || action.host_rewrite_literal !== undefined) return r;
    return { ...r, route: { ...action, host_rewrite_literal: authority } };
  });
}

const vhostCache = new WeakMap<SidecarScope, Map<number, ProtoObject[]>>();

/** {@link outboundVirtualHosts}, memoised per scope (one push, one proxy): forwards and `http_proxy` share them. */
export function cachedOutboundVirtualHosts(scope: SidecarScope, port: number): ProtoObject[] {
  let perPort = vhostCache.get(scope);
  if (!perPort) {
    perPort = new Map();
    vhostCache.set(scope, perPort);
  }
  let hosts = perPort.get(port);
  if (!hosts) {
    hosts = outboundVirtualHosts(scope, port);
    perPort.set(port, hosts);
  }
  return hosts;
}

/**
 * The routes of an HTTP forward: exactly those of the service's outbound virtual host
 * (VirtualService matches, weights, subsets, retries, faults, mirrors), with the authority
 * set to the service's. When the service's VirtualService has no rule for this port, the
 * default route to the service (what the original destination would have reached).
 */
export function forwardRoutes(scope: SidecarScope, r: ResolvedForward): { name: string; routes: ProtoObject[] } {
  const name = `${r.service.hostname}:${r.servicePort.port}`;
  const vh = cachedOutboundVirtualHosts(scope, r.servicePort.port).find((h) => h.name === name);
  const routes = (vh?.routes as ProtoObject[] | undefined) ?? [sidecarDefaultRoute({ scope, port: r.servicePort.port }, r.service.hostname, r.servicePort.port)];
  return { name, routes: withAuthority(routes, forwardAuthority(r)) };
}

/**
 * The RouteConfiguration `forward_<local>` of an HTTP forward: one virtual host matching any
 * authority (the app sends `127.0.0.1:<local>`) built from the service's virtual host.
 */
export function forwardRouteConfig(scope: SidecarScope, r: ResolvedForward): ProtoObject {
  const { name, routes } = forwardRoutes(scope, r);
  return {
    name: forwardRouteName(r.forward.local),
    virtual_hosts: [{ name, domains: ['*'], routes, include_request_attempt_count: true }],
    validate_clusters: { value: false },
  };
}

/**
 * For the `http_proxy` table: a virtual host per HTTP forward whose domains are the service's
 * names with the forward's local port (`details:40123`). Apps written for Kubernetes often
 * build `http://details:$DETAILS_SERVICE_PORT` and still honour HTTP_PROXY; the variable now
 * holds the local port, so the proxy must know that pairing too.
 */
export function forwardProxyVirtualHosts(scope: SidecarScope, explicit: ExplicitInterception): ProtoObject[] {
  return resolvedForwards(scope, explicit).filter(isHttpForward).map((r) => {
    const names = sidecarDomains(scope, r.service, r.servicePort.port).filter((d) => !d.includes(':'));
    return { name: forwardRouteName(r.forward.local), domains: names.map((d) => `${d}:${r.forward.local}`), routes: forwardRoutes(scope, r).routes, include_request_attempt_count: true };
  });
}

/** tcp_proxy to the service: the VirtualService's `tcp` route (weights included) when one applies, else its default cluster. */
function tcpForwardChain(scope: SidecarScope, r: ResolvedForward): ProtoObject {
  const port = r.servicePort.port;
  const vs = scope.virtualServiceFor(r.service.hostname);
  const cluster = clusterName('outbound', port, '', r.service.hostname);
  const target = (vs ? tcpRouteTarget({ scope, port }, vs) : undefined) ?? { cluster };
  return { filters: [tcpProxyFilter('cluster' in target ? target.cluster : cluster, target)] };
}

/**
 * The bound listener `127.0.0.1_<local>` of one forward. HTTP-family ports get a connection
 * manager on RDS `forward_<local>`; TLS ports the VirtualService's SNI chains (for clients that
 * send the service's SNI) before the default tcp_proxy; TCP, Mongo/Redis/MySQL and
 * unknown-protocol ports a tcp_proxy (no sniffing: the destination is already known). A forward
 * that does not resolve (yet) keeps its port bound, closing connections through
 * `BlackHoleCluster`, so nothing else can take the port the app was given.
 */
export function forwardListener(scope: SidecarScope, forward: ExplicitForward): ProtoObject {
  const name = forwardListenerName(forward.local);
  const listener: ProtoObject = { name, address: socketAddress(EXPLICIT_BIND_ADDRESS, forward.local), traffic_direction: 'OUTBOUND' };
  const r = resolveForward(scope, forward);
  if (!r) {
    listener.filter_chains = [{ filters: [tcpProxyFilter(BLACKHOLE_CLUSTER, { cluster: BLACKHOLE_CLUSTER })] }];
  } else if (isHttpForward(r)) {
    listener.filter_chains = [{ filters: [httpConnectionManagerFilter({ statPrefix: `outbound_${name}`, rds: forwardRouteName(forward.local), mesh: scope.index.mesh })] }];
  } else if (r.servicePort.protocol === 'TLS' || r.servicePort.protocol === 'HTTPS') {
    const vs = scope.virtualServiceFor(r.service.hostname);
    const sni = vs ? tlsRouteChains({ scope, port: r.servicePort.port }, vs, clusterName('outbound', r.servicePort.port, '', r.service.hostname)) : [];
    listener.filter_chains = dedupeFilterChains([...sni, tcpForwardChain(scope, r)]);
    if (sni.length > 0) {
      listener.listener_filters = [listenerFilter('tls_inspector')];
      listener.continue_on_listener_filters_timeout = true;
    }
  } else {
    listener.filter_chains = [tcpForwardChain(scope, r)];
  }
  return listener;
}

/** Every forward's listener, one per local port. */
export function forwardListeners(scope: SidecarScope, explicit: ExplicitInterception): ProtoObject[] {
  return (explicit.forwards ?? []).map((f) => forwardListener(scope, f));
}
