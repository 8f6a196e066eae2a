/** Traffic direction part of a cluster name. */
export type Direction = 'outbound' | 'inbound';

/** Parts of Istio's cluster name `outbound|<port>|<subset>|<fqdn>`. */
export interface ClusterKey {
  readonly direction: Direction;
  readonly port: number;
  readonly subset: string;
  readonly hostname: string;
}

/** `outbound|9080|v1|reviews.default.svc.cluster.local` (empty subset: `outbound|9080||…`). */
export function clusterName(direction: Direction, port: number, subset: string, hostname: string): string {
  return `${direction}|${port}|${subset}|${hostname}`;
}

/** Parses a cluster name; undefined when it is not Istio's four-part form. */
export function parseClusterName(name: string): ClusterKey | undefined {
  const parts = name.split('|');
  if (parts.length !== 4) return undefined;
  const [direction, port, subset, hostname] = parts as [string, string, string, string];
  const n = Number(port);
  if ((direction !== 'outbound' && direction !== 'inbound') || !Number.isInteger(n) || n <= 0 || n > 65535) return undefined;
  return { direction, port: n, subset, hostname };
}

/** `host:port`, the name of a proxyless listener and route configuration. */
export function hostPort(host: string, port: number): string {
  return `${host}:${port}`;
}

/** Splits `host:port` (or bare `host`); the port is undefined when absent or not a number. */
export function splitHostPort(name: string): { host: string; port?: number } {
  const i = name.lastIndexOf(':');
  if (i <= 0) return { host: name };
  const port = Number(name.slice(i + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return { host: name };
  return { host: name.slice(0, i), port };
}
