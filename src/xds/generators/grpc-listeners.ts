import { anyField, packAny } from '../protos.js';
import type { ProxyInfo } from '../proxy.js';
import type { PushContext } from '../push-context.js';
import { hostPort, splitHostPort } from './cluster-name.js';
import type { GeneratedResource, Generator } from './generator.js';
import { resolveRequestedHost } from './grpc-hosts.js';

/** HTTP filter names as Envoy and grpc know them. */
export const FAULT_FILTER = 'envoy.filters.http.fault';
export const ROUTER_FILTER = 'envoy.filters.http.router';

const LISTENER = 'envoy.config.listener.v3.Listener';
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

function apiListener(name: string, address: string, port: number, routeName: string): GeneratedResource {
  const hcm = {
    stat_prefix: name,
    rds: { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: routeName },
    // Fault must be listed for per-route faults to apply; the router comes last, once.
    http_filters: [
      { name: FAULT_FILTER, typed_config: anyField('envoy.extensions.filters.http.fault.v3.HTTPFault', {}) },
      { name: ROUTER_FILTER, typed_config: anyField('envoy.extensions.filters.http.router.v3.Router', {}) },
    ],
  };
  const listener = {
    name,
    address: { socket_address: { address, port_value: port } },
    api_listener: { api_listener: anyField(HCM, hcm) },
  };
  return { name, resource: packAny(LISTENER, listener) };
}

/**
 * LDS for proxyless gRPC, as Istio's grpcgen does it: one `api_listener` per requested
 * `host:port` (a bare host means every port; short names are expanded but the listener
 * keeps the requested name), holding an HttpConnectionManager that fetches the route
 * configuration `<fqdn>:<port>` over ADS. A wildcard request lists every visible service port.
 */
export const grpcListeners: Generator = (push: PushContext, proxy: ProxyInfo, names) => {
  const out: GeneratedResource[] = [];
  const seen = new Set<string>();
  const emit = (name: string, address: string, port: number, routeName: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    out.push(apiListener(name, address, port, routeName));
  };
  if (names === undefined) {
    for (const s of push.servicesFor(proxy)) {
      for (const p of s.ports) emit(hostPort(s.hostname, p.port), s.addresses[0] ?? '0.0.0.0', p.port, hostPort(s.hostname, p.port));
    }
    return out;
  }
  for (const requested of names) {
    const { host, port } = splitHostPort(requested);
    const service = resolveRequestedHost(push, proxy, host);
    if (!service) continue;
    for (const p of service.ports) {
      if (port !== undefined && p.port !== port) continue;
      emit(port !== undefined ? requested : hostPort(host, p.port), service.addresses[0] ?? '0.0.0.0', p.port, hostPort(service.hostname, p.port));
    }
  }
  return out;
};
