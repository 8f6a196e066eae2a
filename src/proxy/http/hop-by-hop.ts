import type { HeaderMap } from './header-map.js';

// Connection-specific headers (RFC 9110 §7.6.1) never cross a proxy; HTTP/2 forbids them
// outright, and Node's h2 layer throws if one is set, so they must go before any write.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings', 'te'];

/**
 * Removes hop-by-hop headers, including those the `connection` header names. `te: trailers`
 * survives because gRPC needs it end to end; `upgrade` survives when an upgrade is being
 * proxied (the raw tunnel path handles it itself).
 */
export function stripHopByHop(headers: HeaderMap, opts: { keepUpgrade?: boolean } = {}): void {
  const connection = headers['connection'];
  if (connection !== undefined) {
    for (const token of (Array.isArray(connection) ? connection.join(',') : connection).split(',')) {
      const name = token.trim().toLowerCase();
      if (name && name !== 'te' && !(opts.keepUpgrade && name === 'upgrade')) delete headers[name];
    }
  }
  const te = headers['te'];
  const keepTe = te !== undefined && (Array.isArray(te) ? te.join(',') : te).split(',').some((t) => t.trim().toLowerCase() === 'trailers');
  for (const name of HOP_BY_HOP) {
    if (name === 'upgrade' && opts.keepUpgrade) continue;
    delete headers[name];
  }
  if (keepTe) headers['te'] = 'trailers';
}
