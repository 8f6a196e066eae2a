import { packAny, type ProtoObject } from '../protos.js';
import type { GeneratedResource, Generator } from './generator.js';
import { boundVirtualServices, gatewayServersByPort, serverKind, type GatewayServer } from './gateway-select.js';
import { httpRoutes } from './route-http.js';
import { sidecarScope, type SidecarScope } from './sidecar-scope.js';

const ROUTE_CONFIGURATION = 'envoy.config.route.v3.RouteConfiguration';

/**
 * Istio's gateway route names: `http.<port>` for plain HTTP servers (shared by every
 * gateway on the port), `https.<port>.<portName>.<gateway>.<namespace>` for a terminating
 * HTTPS server.
 */
export function gatewayRouteName(s: GatewayServer, port: number): string {
  return serverKind(s) === 'https' ? `https.${port}.${s.server.port.name}.${s.gateway.name}.${s.gateway.namespace}` : `http.${port}`;
}

/** Domains of a gateway virtual host: the host, and the host with any port (`*` alone stays `*`). */
function gatewayDomains(host: string): string[] {
  return host === '*' ? ['*'] : [host, `${host}:*`];
}

/**
 * The virtual hosts of some HTTP servers on one port: one per host that a bound
 * VirtualService and a server share, named `<host>:<port>`; the routes of several
 * VirtualServices for one host are concatenated in age order. `httpsRedirect` makes the
 * host require TLS (Envoy answers 301 to https). No host at all gives Istio's
 * `blackhole:<port>` 404 host.
 */
export function gatewayVirtualHosts(scope: SidecarScope, servers: readonly GatewayServer[], port: number): ProtoObject[] {
  const hosts = new Map<string, ProtoObject>();
  for (const s of servers) {
    const redirect = s.server.tls?.httpsRedirect === true;
    for (const { vs, hosts: names } of boundVirtualServices(scope, s)) {
      const routes = httpRoutes({ scope, port, gateway: s.key }, vs);
      for (const host of names) {
        const name = `${host}:${port}`;
        let vh = hosts.get(name);
        if (!vh) {
          vh = { name, domains: gatewayDomains(host), routes: [] };
          if (redirect) vh.require_tls = 'ALL';
          hosts.set(name, vh);
        }
        (vh.routes as ProtoObject[]).push(...routes);
      }
    }
  }
  const list = [...hosts.values()].filter((vh) => (vh.routes as ProtoObject[]).length > 0 || vh.require_tls === 'ALL');
  if (list.length === 0) {
    return [{ name: `blackhole:${port}`, domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, direct_response: { status: 404 } }] }];
  }
  return list;
}

/** Every gateway route configuration of the proxy: name → the servers that feed it, and their port. */
export function gatewayRouteTable(scope: SidecarScope): Map<string, { port: number; servers: GatewayServer[] }> {
  const table = new Map<string, { port: number; servers: GatewayServer[] }>();
  for (const [port, servers] of gatewayServersByPort(scope)) {
    for (const s of servers) {
      const kind = serverKind(s);
      if (kind !== 'http' && kind !== 'https') continue;
      const name = gatewayRouteName(s, port);
      const entry = table.get(name);
      if (entry) entry.servers.push(s);
      else table.set(name, { port, servers: [s] });
    }
  }
  return table;
}

/** RDS for gateways (node type `router`): `http.<port>` and `https.<port>.<portName>.<gateway>.<ns>`. */
export const gatewayRoutes: Generator = (push, proxy, names) => {
  const scope = sidecarScope(push, proxy);
  const table = gatewayRouteTable(scope);
  const out: GeneratedResource[] = [];
  for (const name of new Set(names ?? table.keys())) {
    const entry = table.get(name);
    if (!entry) continue;
    const rc = { name, virtual_hosts: gatewayVirtualHosts(scope, entry.servers, entry.port), validate_clusters: { value: false } };
    out.push({ name, resource: packAny(ROUTE_CONFIGURATION, rc) });
  }
  return out;
};
