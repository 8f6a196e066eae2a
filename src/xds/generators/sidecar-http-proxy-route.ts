import type { ProtoObject } from '../protos.js';
import { outboundHttpPorts, outboundVirtualHosts } from './sidecar-routes.js';
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
 * ports), plus bare names for port 80, which clients leave out.
 */
export function httpProxyRouteConfig(scope: SidecarScope): ProtoObject {
  const hosts: ProtoObject[] = [];
  for (const port of outboundHttpPorts(scope)) {
    for (const vh of outboundVirtualHosts(scope, port)) {
      const domains = (vh.domains as string[]).filter((d) => port === DEFAULT_HTTP_PORT || d.endsWith(`:${port}`));
      hosts.push({ ...vh, domains });
    }
  }
  return { name: HTTP_PROXY_ROUTE, virtual_hosts: [...hosts, unknownHostVirtualHost()], validate_clusters: { value: false } };
}
