import { packAny } from '../protos.js';
import type { ProxyInfo } from '../proxy.js';
import type { PushContext } from '../push-context.js';
import { hostPort, splitHostPort } from './cluster-name.js';
import type { GeneratedResource, Generator } from './generator.js';
import { serviceDomains } from './grpc-hosts.js';
import { defaultRoute, virtualServiceRoutes } from './http-routes.js';

const ROUTE_CONFIGURATION = 'envoy.config.route.v3.RouteConfiguration';

function routeConfig(push: PushContext, proxy: ProxyInfo, name: string): GeneratedResource | undefined {
  const { host, port } = splitHostPort(name);
  if (port === undefined) return undefined;
  const service = push.serviceFor(proxy, host);
  if (!service || !service.ports.some((p) => p.port === port)) return undefined;
  const scope = { push, proxy, hostname: service.hostname, port };
  const vs = push.virtualServiceFor(proxy, service.hostname);
  const routes = vs ? virtualServiceRoutes(scope, vs) : [defaultRoute(service.hostname, port)];
  const config = {
    name,
    virtual_hosts: [{ name, domains: serviceDomains(push, service, port), routes }],
  };
  return { name, resource: packAny(ROUTE_CONFIGURATION, config) };
}

/**
 * RDS for proxyless gRPC: one RouteConfiguration per `<fqdn>:<port>` (the name the
 * listener points at), with a single virtual host whose domains are every name a client
 * may dial the service by, port included. Routes come from the VirtualService for the
 * host, or a default route to `outbound|<port>||<fqdn>`.
 */
export const grpcRoutes: Generator = (push, proxy, names) => {
  const wanted = names ?? push.servicesFor(proxy).flatMap((s) => s.ports.map((p) => hostPort(s.hostname, p.port)));
  const out: GeneratedResource[] = [];
  for (const name of new Set(wanted)) {
    const rc = routeConfig(push, proxy, name);
    if (rc) out.push(rc);
  }
  return out;
};
