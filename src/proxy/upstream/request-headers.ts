import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop headers never forwarded upstream (RFC 9110 §7.6.1; HTTP/2 forbids them), plus
 * `expect`, which the proxy answers itself.
 */
const DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'expect', 'http2-settings']);

/** Request headers as a flat [name, value, ...] list for undici, dropping hop-by-hop headers and pseudo-headers. */
export function toUpstreamHeaders(headers: IncomingHttpHeaders | OutgoingHttpHeaders): string[] {
  const out: string[] = [];
  let host: string | undefined;
  let authority: string | undefined;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower.charCodeAt(0) === 58 /* ':' */) {
      if (lower === ':authority') authority = String(value);
      continue;
    }
    if (DROP.has(lower)) {
      // `te: trailers` is the one TE value allowed (gRPC needs it).
      if (lower === 'te' && String(value).toLowerCase() === 'trailers') out.push('te', 'trailers');
      continue;
    }
    if (lower === 'host') {
      host = Array.isArray(value) ? value[0] : String(value);
      continue;
    }
    if (Array.isArray(value)) {
      for (const v of value) out.push(name, v);
    } else {
      out.push(name, typeof value === 'string' ? value : String(value));
    }
  }
  const h = host ?? authority;
  if (h !== undefined) out.push('host', h);
  return out;
}
