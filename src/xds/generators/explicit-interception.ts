import type { JsonValue } from '../struct.js';
import type { ProxyInfo } from '../proxy.js';

/** Istio's node metadata key for how traffic reaches the sidecar (`REDIRECT`, `TPROXY`, `NONE`). */
export const INTERCEPTION_MODE_KEY = 'INTERCEPTION_MODE';
/** The loopback port of the sidecar's HTTP proxy listener (the app's `HTTP_PROXY`). */
export const HTTP_PROXY_PORT_KEY = 'PLEXUS_HTTP_PROXY_PORT';
/** `<inbound>:<app>,…`: the ports registered for the workload and where the app listens. */
export const INBOUND_PORTS_KEY = 'PLEXUS_INBOUND_PORTS';

/** Where an explicit-mode sidecar listens and forwards; absent for captured (pod) sidecars. */
export interface ExplicitInterception {
  /** 127.0.0.1:<port> serves absolute-form HTTP proxy requests of the app. */
  readonly httpProxyPort: number;
  /** Inbound port (the WorkloadEntry's, what peers connect to) → the app's port on loopback. */
  readonly inbound: ReadonlyMap<number, number>;
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
  };
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
  return { httpProxyPort, inbound };
}
