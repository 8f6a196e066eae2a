import type { ServiceModel, ServicePort } from '../../registry/model.js';
import { isHttpProtocol } from '../../registry/protocol.js';
import { packAny, type ProtoObject } from '../protos.js';
import type { GeneratedResource, Generator } from './generator.js';
import { serviceDomains } from './grpc-hosts.js';
import { httpRoutes, sidecarDefaultRoute, type HttpRouteContext } from './route-http.js';
import { explicitInterception } from './explicit-interception.js';
import { PASSTHROUGH_CLUSTER } from './sidecar-clusters.js';
import { explicitRouteConfig, explicitRouteNames } from './sidecar-http-proxy-route.js';
import { sidecarScope, type SidecarScope } from './sidecar-scope.js';

const ROUTE_CONFIGURATION = 'envoy.config.route.v3.RouteConfiguration';
const ZERO = { seconds: 0, nanos: 0 };

/** Ports whose outbound traffic goes through HCM and RDS: HTTP protocols, and unknown ones (sniffed). */
export function isOutboundHttpPort(port: ServicePort): boolean {
  return isHttpProtocol(port.protocol) || port.protocol === 'UNKNOWN';
}

/**
 * Domains of a service's virtual host, each with and without `:port`: FQDN,
 * `name.namespace.svc`, `name.namespace`, the VIPs — and the bare short name only for a
 * proxy in the service's namespace, where it resolves (X's list, narrowed).
 */
export function sidecarDomains(scope: SidecarScope, service: ServiceModel, port: number): string[] {
  const all = serviceDomains(scope.push, service, port);
  if (service.namespace === scope.proxy.namespace) return all;
  const suffix = `.svc.${scope.push.domainSuffix}`;
  if (!service.hostname.endsWith(suffix)) return all;
  const nameNs = service.hostname.slice(0, -suffix.length);
  const short = nameNs.slice(0, nameNs.lastIndexOf('.'));
  return all.filter((d) => d !== short && d !== `${short}:${port}`);
}

/** The last virtual host: unknown hosts go to `PassthroughCluster` (ALLOW_ANY) or get a 502 (REGISTRY_ONLY). */
export function fallbackVirtualHost(scope: SidecarScope): ProtoObject {
  if (scope.outboundPolicy === 'REGISTRY_ONLY') {
    return { name: 'block_all', domains: ['*'], routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 502 } }] };
  }
  return {
    name: 'allow_any',
    domains: ['*'],
    routes: [{ name: 'allow_any', match: { prefix: '/' }, route: { cluster: PASSTHROUGH_CLUSTER, timeout: ZERO, max_stream_duration: { max_stream_duration: ZERO, grpc_timeout_header_max: ZERO } } }],
  };
}

/** Virtual hosts of the outbound route configuration for `port`, in hostname order. */
export function outboundVirtualHosts(scope: SidecarScope, port: number): ProtoObject[] {
  const ctx: HttpRouteContext = { scope, port };
  const hosts: ProtoObject[] = [];
  for (const service of scope.services) {
    const sp = service.ports.find((p) => p.port === port);
    if (!sp || !isOutboundHttpPort(sp)) continue;
    const vs = scope.virtualServiceFor(service.hostname);
    // A host with a VirtualService gets its routes only; none applicable leaves it to the fallback host.
    const routes = vs ? httpRoutes(ctx, vs) : [sidecarDefaultRoute(ctx, service.hostname, port)];
    if (routes.length === 0) continue;
    hosts.push({ name: `${service.hostname}:${port}`, domains: sidecarDomains(scope, service, port), routes, include_request_attempt_count: true });
  }
  return hosts;
}

/** Every outbound HTTP port of the visible services: the route configuration names. */
export function outboundHttpPorts(scope: SidecarScope): number[] {
  const ports = new Set<number>();
  for (const s of scope.services) for (const p of s.ports) if (isOutboundHttpPort(p)) ports.add(p.port);
  return [...ports].sort((a, b) => a - b);
}

/** The RouteConfiguration `<port>` (null when the name is not a port the proxy routes). */
export function outboundRouteConfig(scope: SidecarScope, name: string): ProtoObject | undefined {
  const port = Number(name);
  if (!/^\d+$/.test(name) || !outboundHttpPorts(scope).includes(port)) return undefined;
  return { name, virtual_hosts: [...outboundVirtualHosts(scope, port), fallbackVirtualHost(scope)], validate_clusters: { value: false } };
}

/**
 * RDS for sidecars: one RouteConfiguration per outbound HTTP port, named by the port
 * (`9080`), virtual hosts per service reachable on it and a final `allow_any` / `block_all`.
 * An explicit-mode sidecar's listeners ask for `http_proxy` (all ports in one table) and
 * `forward_<local>` (one per HTTP port forward) instead.
 */
export const sidecarRoutes: Generator = (push, proxy, names) => {
  const scope = sidecarScope(push, proxy);
  const explicit = explicitInterception(proxy);
  const out: GeneratedResource[] = [];
  for (const name of new Set(names ?? (explicit ? explicitRouteNames(scope, explicit) : outboundHttpPorts(scope).map(String)))) {
    const rc = (explicit ? explicitRouteConfig(scope, explicit, name) : undefined) ?? outboundRouteConfig(scope, name);
    if (rc) out.push({ name, resource: packAny(ROUTE_CONFIGURATION, rc) });
  }
  return out;
};
