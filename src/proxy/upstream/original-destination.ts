import { isIP } from 'node:net';
import type { SocketAddress } from '../config/model.js';

/**
 * Parse an ORIGINAL_DST override header (`x-envoy-original-dst-host`): `ip:port` or `[ipv6]:port`.
 * Envoy accepts only IP addresses here, so a name is refused rather than resolved.
 */
export function parseOriginalDstHeader(value: string | string[] | number | undefined): SocketAddress | undefined {
  if (value === undefined) return undefined;
  const v = (Array.isArray(value) ? value[0] : String(value)).trim();
  let host: string;
  let portText: string;
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end < 0 || v[end + 1] !== ':') return undefined;
    host = v.slice(1, end);
    portText = v.slice(end + 2);
  } else {
    const colon = v.lastIndexOf(':');
    if (colon < 0) return undefined;
    host = v.slice(0, colon);
    portText = v.slice(colon + 1);
  }
  const port = Number(portText);
  if (isIP(host) === 0 || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { address: host, port };
}
