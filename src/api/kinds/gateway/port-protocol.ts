/**
 * Port protocols as Istio parses them (case-insensitive). Anything else is "unsupported":
 * Gateways reject it, Sidecars and ServiceEntries reject it unless it is empty (sniffing).
 */
export type PortProtocol = 'TCP' | 'UDP' | 'GRPC' | 'GRPC-WEB' | 'HTTP' | 'HTTP_PROXY' | 'HTTP2' | 'HTTPS' | 'TLS' | 'MONGO' | 'REDIS' | 'MYSQL';

const KNOWN: readonly PortProtocol[] = ['TCP', 'UDP', 'GRPC', 'GRPC-WEB', 'HTTP', 'HTTP_PROXY', 'HTTP2', 'HTTPS', 'TLS', 'MONGO', 'REDIS', 'MYSQL'];

/** The protocol a port name spells, or undefined when Istio does not know it (including ``). */
export function parsePortProtocol(value: unknown): PortProtocol | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return KNOWN.find((p) => p === upper);
}

/** HTTP-family protocols: served by an HTTP connection manager. */
export function isHTTPProtocol(p: PortProtocol | undefined): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'HTTP_PROXY' || p === 'GRPC' || p === 'GRPC-WEB';
}

/** Protocols that carry TLS end to end (SNI routing or termination). */
export function isTLSProtocol(p: PortProtocol | undefined): boolean {
  return p === 'HTTPS' || p === 'TLS';
}

/** Protocols proxied as opaque TCP streams. */
export function isTCPProtocol(p: PortProtocol | undefined): boolean {
  return p === 'TCP' || p === 'HTTPS' || p === 'TLS' || p === 'MONGO' || p === 'REDIS' || p === 'MYSQL';
}
