import type { MeshConfig } from '../../api/kinds/mesh-config/types.js';
import type { ProtoObject } from '../protos.js';
import { EXPLICIT_BIND_ADDRESS, type ExplicitInterception } from './explicit-interception.js';
import { portChains } from './listener-inbound.js';
import { httpConnectionManagerFilter, listenerFilter, socketAddress } from './listener-filters.js';
import { forwardListeners } from './sidecar-explicit-forwards.js';
import { HTTP_PROXY_ROUTE } from './sidecar-http-proxy-route.js';
import type { SidecarScope } from './sidecar-scope.js';
import { inboundPorts } from './sidecar-workload.js';

/**
 * The app's HTTP proxy (`HTTP_PROXY=http://127.0.0.1:<port>`), bound on loopback: absolute-form
 * requests are routed by their authority through the `http_proxy` route configuration.
 */
export function httpProxyListener(explicit: ExplicitInterception, mesh?: MeshConfig): ProtoObject {
  const name = `${EXPLICIT_BIND_ADDRESS}_${explicit.httpProxyPort}`;
  return {
    name,
    address: socketAddress(EXPLICIT_BIND_ADDRESS, explicit.httpProxyPort),
    traffic_direction: 'OUTBOUND',
    filter_chains: [{ filters: [httpConnectionManagerFilter({ statPrefix: `outbound_${name}`, rds: HTTP_PROXY_ROUTE, mesh })] }],
  };
}

/**
 * One bound inbound listener per workload port, `127.0.0.1_<port>`: the same chains as the
 * pod's `virtualInbound` has for that port (PeerAuthentication's TLS and plaintext chains,
 * then `inbound|<port>||` to the app's port on loopback). Peers reach it because the port is
 * the WorkloadEntry's.
 */
export function explicitInboundListeners(scope: SidecarScope): ProtoObject[] {
  return inboundPorts(scope).map((p) => ({
    name: `${EXPLICIT_BIND_ADDRESS}_${p.port}`,
    address: socketAddress(EXPLICIT_BIND_ADDRESS, p.port),
    traffic_direction: 'INBOUND',
    listener_filters: [listenerFilter('tls_inspector'), listenerFilter('http_inspector')],
    listener_filters_timeout: { seconds: 0, nanos: 0 },
    continue_on_listener_filters_timeout: true,
    filter_chains: portChains(scope, p),
  }));
}

/** Every listener of an explicit-mode sidecar: the HTTP proxy, the inbound ports, then the port forwards. */
export function explicitListeners(scope: SidecarScope, explicit: ExplicitInterception): ProtoObject[] {
  return [httpProxyListener(explicit, scope.index.mesh), ...explicitInboundListeners(scope), ...forwardListeners(scope, explicit)];
}
