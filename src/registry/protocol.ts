/** Application protocols Istio recognises on a service port. */
export type PortProtocol = 'HTTP' | 'HTTP2' | 'HTTPS' | 'GRPC' | 'GRPC-WEB' | 'TCP' | 'TLS' | 'MONGO' | 'REDIS' | 'MYSQL' | 'UDP' | 'UNKNOWN';

const KNOWN: ReadonlySet<string> = new Set(['HTTP', 'HTTP2', 'HTTPS', 'GRPC', 'GRPC-WEB', 'TCP', 'TLS', 'MONGO', 'REDIS', 'MYSQL', 'UDP']);

function normalise(value: string | undefined): PortProtocol | undefined {
  if (!value) return undefined;
  const up = value.toUpperCase();
  // Kubernetes' standard appProtocol values.
  if (up === 'KUBERNETES.IO/H2C') return 'HTTP2';
  if (up === 'KUBERNETES.IO/WS' || up === 'KUBERNETES.IO/WSS') return 'HTTP';
  return KNOWN.has(up) ? (up as PortProtocol) : undefined;
}

/**
 * Protocol of a port, as Istio selects it: a ServiceEntry's explicit `protocol` or a
 * Service's `appProtocol` first, then the port name's prefix (`grpc`, `http-web`, …);
 * otherwise UDP when the L4 protocol says so, else unknown (sidecars sniff it).
 */
export function portProtocol(opts: { istioProtocol?: string; appProtocol?: string; name?: string; l4Protocol?: string }): PortProtocol {
  const explicit = normalise(opts.istioProtocol) ?? normalise(opts.appProtocol);
  if (explicit) return explicit;
  const prefix = (opts.name ?? '').split('-')[0];
  return normalise(prefix) ?? (opts.l4Protocol?.toUpperCase() === 'UDP' ? 'UDP' : 'UNKNOWN');
}

/** True for protocols carried over HTTP (so VirtualService `http` routes apply). */
export function isHttpProtocol(p: PortProtocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB';
}
