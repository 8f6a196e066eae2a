import type { ProtoObject } from '../protos.js';
import type { ExplicitInterception } from './explicit-interception.js';
import { cachedOutboundVirtualHosts, forwardProxyVirtualHosts, forwardRouteConfig, forwardRouteName, isHttpForward, resolvedForwards } from './sidecar-explicit-forwards.js';
import { outboundHttpPorts } from './sidecar-routes.js';
import type { SidecarScope } from './sidecar-scope.js';

/** Istio's route name for a sidecar's HTTP proxy listener (`RDSHttpProxy`). */
export const HTTP_PROXY_ROUTE = 'http_proxy';

/** The port an authority without one means for plain HTTP. */
const DEFAULT_HTTP_PORT = 80;

/**
 * The last virtual host of the proxy route. In explicit mode there is no original
 * destination to pass through to (the connection's destination is the proxy itself), so
 * unknown hosts are answered locally whatever the outbound policy: 502, as REGISTRY_ONLY does.
 */
function unknownHostVirtualHost(): ProtoObject {
  return {
    name: 'block_all',
    domains: ['*'],
    routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 502, body: { inline_string: 'not a mesh service: reach it without the proxy (NO_PROXY)\n' } } }],
  };
}

/**
 * The RouteConfiguration `http_proxy` of an explicit-mode sidecar: the virtual hosts of every
 * visible HTTP service port in one table, as Istio builds it for an HTTP_PROXY egress
 * listener. An absolute-form request (`GET http://reviews:9080/…`) carries its port in the
 * authority, so only the `host:port` domains are kept (a bare name would be ambiguous across
 * ports), plus bare names for port 80, which clients leave out. Each HTTP forward adds the
 * service's names with its local port (`details:<local>`: an app that builds URLs from
 * `DETAILS_SERVICE_PORT` and still uses the proxy).
 */
export function httpProxyRouteConfig(scope: SidecarScope, explicit?: ExplicitInterception): ProtoObject {
  const hosts: ProtoObject[] = [];
  for (const port of outboundHttpPorts(scope)) {
    for (const vh of cachedOutboundVirtualHosts(scope, port)) {
      const domains = (vh.domains as string[]).filter((d) => port === DEFAULT_HTTP_PORT || d.endsWith(`:${port}`));
      hosts.push({ ...vh, domains });
    }
  }
  if (explicit) {
    // A domain may appear once per table: a service that really listens on a forward's local port keeps it.
    const taken = new Set(hosts.flatMap((h) => h.domains as string[]));
    for (const vh of forwardProxyVirtualHosts(scope, explicit)) {
      const domains = (vh.domains as string[]).filter((d) => !taken.has(d));
      if (domains.length > 0) hosts.push({ ...vh, domains });
    }
  }
  return { name: HTTP_PROXY_ROUTE, virtual_hosts: [...hosts, unknownHostVirtualHost()], validate_clusters: { value: false } };
}

/** The route configurations an explicit-mode sidecar's listeners ask for: `http_proxy` and one per HTTP forward. */
export function explicitRouteNames(scope: SidecarScope, explicit: ExplicitInterception): string[] {
  return [HTTP_PROXY_ROUTE, ...resolvedForwards(scope, explicit).filter(isHttpForward).map((r) => forwardRouteName(r.forward.local))];
}

/** `http_proxy` or a forward's `forward_<local>`; undefined for other names. */
export function explicitRouteConfig(scope: SidecarScope, explicit: ExplicitInterception, name: string): ProtoObject | undefined {
  if (name === HTTP_PROXY_ROUTE) return httpProxyRouteConfig(scope, explicit);
  const forward = resolvedForwards(scope, explicit).find((r) => forwardRouteName(r.forward.local) === name);
  return forward && isHttpForward(forward) ? forwardRouteConfig(scope, forward) : undefined;
}
