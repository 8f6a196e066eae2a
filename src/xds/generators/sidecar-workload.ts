import { portProtocol, type PortProtocol } from '../../registry/protocol.js';
import type { ServiceModel } from '../../registry/model.js';
import type { SidecarScope } from './sidecar-scope.js';
import { explicitInterception } from './explicit-interception.js';

/** One port the proxy's workload serves, as the inbound side sees it. */
export interface InboundPort {
  /** The port traffic arrives on (the endpoint's target port); names `inbound|<port>||`. */
  readonly port: number;
  readonly protocol: PortProtocol;
  /** Where the proxy forwards it: the application on loopback, or a Sidecar ingress `defaultEndpoint`. */
  readonly endpointAddress: string;
  readonly endpointPort: number;
  /** The services (and their port) this workload port backs; empty for Sidecar ingress ports without one. */
  readonly services: ReadonlyArray<{ readonly service: ServiceModel; readonly servicePort: number }>;
}

function parseEndpoint(value: string | undefined): { address: string; port: number } | undefined {
  if (!value || value.startsWith('unix://')) return undefined;
  const i = value.lastIndexOf(':');
  const port = Number(value.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port)) return undefined;
  return { address: value.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

/**
 * The workload's inbound ports. A Sidecar resource's `ingress` listeners define them when
 * present; otherwise every service endpoint at one of the proxy's IPs does (as Istio
 * derives a pod's service instances), one entry per target port.
 */
export function inboundPorts(scope: SidecarScope): InboundPort[] {
  const ingress = scope.sidecar?.spec.ingress;
  const own = new Map<number, { protocol: PortProtocol; services: Array<{ service: ServiceModel; servicePort: number }> }>();
  const ips = new Set(scope.proxy.ipAddresses);
  // Explicit mode: every workload shares 127.0.0.1, so its own endpoints are those on its allocated ports.
  const explicit = explicitInterception(scope.proxy);
  for (const service of scope.push.registry.services) {
    for (const e of service.endpoints) {
      if (!ips.has(e.address) || e.namespace !== scope.proxy.namespace) continue;
      if (explicit && !explicit.inbound.has(e.port)) continue;
      const sp = service.ports.find((p) => p.port === e.servicePort);
      let entry = own.get(e.port);
      if (!entry) {
        entry = { protocol: sp?.protocol ?? 'UNKNOWN', services: [] };
        own.set(e.port, entry);
      }
      if (!entry.services.some((s) => s.service === service && s.servicePort === e.servicePort)) entry.services.push({ service, servicePort: e.servicePort });
    }
  }
  if (ingress && ingress.length > 0) {
    return ingress.filter((l) => l.port.number).map((l) => {
      const port = l.port.number!;
      const ep = parseEndpoint(l.defaultEndpoint);
      return {
        port,
        protocol: portProtocol({ istioProtocol: l.port.protocol, name: l.port.name }),
        endpointAddress: ep?.address ?? '127.0.0.1',
        endpointPort: ep?.port ?? port,
        services: own.get(port)?.services ?? [],
      };
    });
  }
  if (explicit) {
    // Declared ports no service selects yet still get a listener (the protocol is sniffed).
    for (const port of explicit.inbound.keys()) if (!own.has(port)) own.set(port, { protocol: 'UNKNOWN', services: [] });
  }
  return [...own.entries()].sort(([a], [b]) => a - b).map(([port, v]) => ({
    port, protocol: v.protocol, endpointAddress: '127.0.0.1', endpointPort: explicit?.inbound.get(port) ?? port, services: v.services,
  }));
}
