import type { Server } from '../../api/kinds/gateway/types.js';
import { hostMatches } from '../../registry/hostname.js';
import { isVisible } from '../visibility.js';
import { namespaceDiscovered, type BoundVirtualService, type IndexedGateway } from './sidecar-mesh-index.js';
import type { SidecarScope } from './sidecar-scope.js';

/** One server of a Gateway selected for this proxy. */
export interface GatewayServer {
  readonly gateway: IndexedGateway;
  /** `namespace/name`, the form VirtualServices bind by. */
  readonly key: string;
  readonly server: Server;
  readonly protocol: string;
}

/** How a server's traffic is handled. */
export type ServerKind = 'http' | 'https' | 'tls-passthrough' | 'tls-terminate' | 'tcp';

/** Classifies a server by protocol and TLS mode, as Istio's gateway listener builder does. */
export function serverKind(s: GatewayServer): ServerKind {
  const p = s.protocol;
  const mode = s.server.tls?.mode ?? 'SIMPLE';
  if (p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB') return 'http';
  if (p === 'HTTPS') return mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH' ? 'tls-passthrough' : 'https';
  if (p === 'TLS') return mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH' ? 'tls-passthrough' : 'tls-terminate';
  return 'tcp';
}

/**
 * Gateways whose `selector` matches the proxy's labels, from every namespace (Istio's
 * default; an empty selector selects every gateway proxy), servers grouped by port number.
 */
export function gatewayServersByPort(scope: SidecarScope): Map<number, GatewayServer[]> {
  const byPort = new Map<number, GatewayServer[]>();
  const labels = scope.proxy.labels;
  const root = scope.push.rootNamespace;
  for (const gateway of scope.index.gateways) {
    if (!namespaceDiscovered(scope.index, gateway.namespace, root)) continue;
    const selector = gateway.spec.selector ?? {};
    if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
    for (const server of gateway.spec.servers ?? []) {
      const port = server.port?.number;
      if (!port) continue;
      const entry: GatewayServer = { gateway, key: `${gateway.namespace}/${gateway.name}`, server, protocol: (server.port.protocol ?? 'HTTP').toUpperCase() };
      const list = byPort.get(port);
      if (list) list.push(entry);
      else byPort.set(port, [entry]);
    }
  }
  return new Map([...byPort.entries()].sort(([a], [b]) => a - b));
}

/** A server host `ns/host` (or `host`) split; namespace `.` is the gateway's own, `*` any. */
export function serverHost(s: GatewayServer, raw: string): { ns: string; host: string } {
  const slash = raw.indexOf('/');
  if (slash < 0) return { ns: '*', host: raw };
  const ns = raw.slice(0, slash);
  return { ns: ns === '.' ? s.gateway.namespace : ns, host: raw.slice(slash + 1) };
}

/** The hosts of a server without their namespace part (SNI and domains). */
export function serverHostNames(s: GatewayServer): string[] {
  return s.server.hosts.map((h) => serverHost(s, h).host);
}

/** The more specific of two intersecting host patterns, or undefined when they do not meet. */
export function intersectHost(vsHost: string, serverHostName: string): string | undefined {
  if (hostMatches(serverHostName, vsHost)) return vsHost;
  if (hostMatches(vsHost, serverHostName)) return serverHostName;
  return undefined;
}

/** A VirtualService bound to the server's gateway, with the hosts it serves there. */
export interface BoundHosts {
  readonly vs: BoundVirtualService;
  readonly hosts: readonly string[];
}

/**
 * VirtualServices bound to this server's gateway (`gateways: [ns/name | name]`), visible
 * to the proxy, in a namespace the server's hosts allow, with their hosts intersected with
 * the server's. Oldest first, as Istio orders them.
 */
export function boundVirtualServices(scope: SidecarScope, s: GatewayServer): BoundHosts[] {
  const root = scope.push.rootNamespace;
  const out: BoundHosts[] = [];
  for (const vs of scope.index.virtualServices) {
    if (!vs.gateways.includes(s.key)) continue;
    if (!isVisible(vs.exportTo, vs.namespace, scope.proxy.namespace) && vs.namespace !== s.gateway.namespace) continue;
    if (!namespaceDiscovered(scope.index, vs.namespace, root)) continue;
    const hosts = new Set<string>();
    for (const raw of s.server.hosts) {
      const sh = serverHost(s, raw);
      if (sh.ns !== '*' && sh.ns !== vs.namespace) continue;
      for (const h of vs.hosts) {
        const hit = intersectHost(h, sh.host);
        if (hit) hosts.add(hit);
      }
    }
    if (hosts.size > 0) out.push({ vs, hosts: [...hosts] });
  }
  return out;
}
