import type { ClientCertDetailsSelection } from '../config/model.js';
import type { ConnectionInfo } from '../config/snapshot-holder.js';
import type { ConnectionCertificates } from '../tls/connection-certificates.js';
import { getHeader, type HeaderMap } from './header-map.js';

/** `forward_client_cert_details` values. */
export type ForwardClientCertMode = 'SANITIZE' | 'FORWARD_ONLY' | 'APPEND_FORWARD' | 'SANITIZE_SET' | 'ALWAYS_FORWARD_ONLY';

const XFCC = 'x-forwarded-client-cert';
const NONE: ClientCertDetailsSelection = { subject: false, cert: false, chain: false, dns: false, uri: false };

// Envoy URL-encodes PEM keeping only RFC 3986 unreserved characters.
function urlEncode(text: string): string {
  return text.replace(/[^A-Za-z0-9\-._~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * This proxy's XFCC element for a connection, as Envoy writes it: `By` per local URI SAN, the
 * peer certificate's `Hash`, then the selected `Cert`, `Chain`, `Subject`, `URI`, `DNS` in that
 * order, `;`-separated. Subject, Cert and Chain are quoted; `Subject` and `URI` are present even
 * when empty.
 */
export function clientCertElement(certs: ConnectionCertificates, select: ClientCertDetailsSelection = NONE): string {
  const parts: string[] = [];
  for (const uri of certs.localUriSans) parts.push(`By=${uri}`);
  const digest = certs.peerDigest;
  if (digest) parts.push(`Hash=${digest}`);
  const pem = select.cert ? certs.peerPem : '';
  if (pem) parts.push(`Cert="${urlEncode(pem)}"`);
  const chain = select.chain ? certs.peerChainPem : '';
  if (chain) parts.push(`Chain="${urlEncode(chain)}"`);
  if (select.subject) parts.push(`Subject="${certs.peerSubject}"`);
  if (select.uri) {
    const uris = certs.peerUriSans;
    if (uris.length === 0) parts.push('URI=');
    for (const uri of uris) parts.push(`URI=${uri}`);
  }
  if (select.dns) for (const dns of certs.peerDnsSans) parts.push(`DNS=${dns}`);
  return parts.join(';');
}

// One element per connection and selection: a connection is served by one connection manager.
const elements = new WeakMap<ConnectionCertificates, { readonly select: ClientCertDetailsSelection | undefined; readonly value: string }>();

function cachedElement(certs: ConnectionCertificates, select: ClientCertDetailsSelection | undefined): string {
  const hit = elements.get(certs);
  if (hit && hit.select === select) return hit.value;
  const value = clientCertElement(certs, select);
  elements.set(certs, { select, value });
  return value;
}

/**
 * Envoy's x-forwarded-client-cert rules, in place. ALWAYS_FORWARD_ONLY leaves the header
 * alone; otherwise a request that did not come over mTLS (no peer certificate) loses any
 * header it brought, as does every request under SANITIZE. FORWARD_ONLY forwards what an mTLS
 * peer sent; APPEND_FORWARD appends this hop's element; SANITIZE_SET replaces the header with it.
 */
export function applyClientCertHeader(headers: HeaderMap, info: ConnectionInfo, mode: string, select: ClientCertDetailsSelection | undefined): void {
  if (mode === 'ALWAYS_FORWARD_ONLY') return;
  const certs = info.tlsTerminated ? info.peerCertificates : undefined;
  if (mode === 'SANITIZE' || !certs) {
    delete headers[XFCC];
    return;
  }
  if (mode === 'FORWARD_ONLY') return;
  const element = cachedElement(certs, select);
  if (mode === 'APPEND_FORWARD') {
    const existing = getHeader(headers, XFCC);
    headers[XFCC] = existing ? `${existing},${element}` : element;
  } else if (mode === 'SANITIZE_SET') {
    headers[XFCC] = element;
  } else {
    delete headers[XFCC];
  }
}
