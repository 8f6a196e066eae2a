import type { JsonValue } from '../struct.js';
import type { ProxyInfo } from '../proxy.js';

/** Istio's node metadata key for how traffic reaches the sidecar (`REDIRECT`, `TPROXY`, `NONE`). */
export const INTERCEPTION_MODE_KEY = 'INTERCEPTION_MODE';
/** The loopback port of the sidecar's HTTP proxy listener (the app's `HTTP_PROXY`). */
export const HTTP_PROXY_PORT_KEY = 'PLEXUS_HTTP_PROXY_PORT';
/** `<inbound>:<app>,…`: the ports registered for the workload and where the app listens. */
export const INBOUND_PORTS_KEY = 'PLEXUS_INBOUND_PORTS';
/** `<host>:<port>=<local>,…`: the app's port forwards, one bound loopback listener each. */
export const FORWARDS_KEY = 'PLEXUS_FORWARDS';

/** One port forward: 127.0.0.1:`local` on the sidecar stands for the service `host`:`port`. */
export interface ExplicitForward {
  /** As the workload named it: a short name resolved in its namespace (`reviews`, `reviews.other`) or a full host. */
  readonly host: string;
  /** The service port. */
  readonly port: number;
  /** The loopback port the sidecar binds for it. */
  readonly local: number;
}

/** Where an explicit-mode sidecar listens and forwards; absent for captured (pod) sidecars. */
export interface ExplicitInterception {
  /** 127.0.0.1:<port> serves absolute-form HTTP proxy requests of the app. */
  readonly httpProxyPort: number;
  /** Inbound port (the WorkloadEntry's, what peers connect to) → the app's port on loopback. */
  readonly inbound: ReadonlyMap<number, number>;
  /** Port forwards the app uses instead of the proxy (`<NAME>_SERVICE_PORT`, `PLEXUS_FORWARD_…`). */
  readonly forwards?: readonly ExplicitForward[];
}

/** Every explicit-mode listener binds loopback only: nothing else reaches it. */
export const EXPLICIT_BIND_ADDRESS = '127.0.0.1';

function port(text: string | undefined): number | undefined {
  const n = Number(text);
  return text && /^\d+$/.test(text) && n > 0 && n < 65536 ? n : undefined;
}

/** The node metadata an explicit-mode sidecar sends (merged into its xDS node). */
export function explicitInterceptionMetadata(e: ExplicitInterception): Record<string, JsonValue> {
  return {
    [INTERCEPTION_MODE_KEY]: 'NONE',
    [HTTP_PROXY_PORT_KEY]: String(e.httpProxyPort),
    [INBOUND_PORTS_KEY]: [...e.inbound].map(([i, a]) => `${i}:${a}`).join(','),
    ...(e.forwards && e.forwards.length > 0 ? { [FORWARDS_KEY]: formatForwards(e.forwards) } : {}),
  };
}

/** `<host>:<port>=<local>,…`, the form {@link parseForwards} reads. */
export function formatForwards(forwards: readonly ExplicitForward[]): string {
  return forwards.map((f) => `${f.host}:${f.port}=${f.local}`).join(',');
}

/** A DNS name or IPv4 literal as a forward's host; `*` and IPv6 (which would need brackets) are refused. */
const FORWARD_HOST = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/**
 * Parses `<host>:<port>=<local>,…` (the node metadata and the proxy's `--forwards` flag);
 * throws on junk. A local port given twice keeps its first forward.
 */
export function parseForwards(text: string): ExplicitForward[] {
  const out: ExplicitForward[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    const target = eq < 0 ? part : part.slice(0, eq);
    const colon = target.lastIndexOf(':');
    const host = colon > 0 ? target.slice(0, colon).toLowerCase() : '';
    const servicePort = port(target.slice(colon + 1));
    const local = eq < 0 ? undefined : port(part.slice(eq + 1));
    if (!FORWARD_HOST.test(host) || servicePort === undefined || local === undefined) throw new Error(`forwards take HOST:PORT=LOCAL, not ${JSON.stringify(part)}`);
    if (!out.some((f) => f.local === local)) out.push({ host, port: servicePort, local });
  }
  return out;
}

/** Parses `<inbound>:<app>,…` (also used for the proxy's command-line flag); throws on junk. */
export function parseInboundPorts(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [i, a] = part.split(':');
    const inbound = port(i);
    const app = port(a ?? i);
    if (inbound === undefined || app === undefined) throw new Error(`inbound ports take INBOUND:APP pairs, not ${JSON.stringify(part)}`);
    out.set(inbound, app);
  }
  return out;
}

/**
 * The explicit-mode settings of a proxy: `INTERCEPTION_MODE: NONE` (Istio's value for
 * sidecars without capture) plus Plexus's ports. Undefined for captured sidecars, and for
 * NONE without a usable proxy port (nothing explicit to build; the proxy keeps the defaults).
 */
export function explicitInterception(proxy: ProxyInfo): ExplicitInterception | undefined {
  const meta = proxy.metadata;
  if (meta[INTERCEPTION_MODE_KEY] !== 'NONE') return undefined;
  const httpProxyPort = port(typeof meta[HTTP_PROXY_PORT_KEY] === 'string' ? meta[HTTP_PROXY_PORT_KEY] : undefined);
  if (httpProxyPort === undefined) return undefined;
  let inbound: Map<number, number>;
  try {
    inbound = parseInboundPorts(typeof meta[INBOUND_PORTS_KEY] === 'string' ? meta[INBOUND_PORTS_KEY] : '');
  } catch {
    inbound = new Map();
  }
  let forwards: ExplicitForward[];
  try {
    forwards = parseForwards(typeof meta[FORWARDS_KEY] === 'string' ? meta[FORWARDS_KEY] : '');
  } catch {
    // A malformed list must not cost the proxy its other listeners.
    forwards = [];
  }
  return { httpProxyPort, inbound, forwards };
}
