import { EventEmitter } from 'node:events';
import type { ConnectionCertificates } from '../tls/connection-certificates.js';
import type { ProxySnapshot } from './model.js';

/** An empty snapshot: what a proxy serves before its first accepted update. */
export const EMPTY_SNAPSHOT: ProxySnapshot = Object.freeze({
  listeners: new Map(),
  routes: new Map(),
  clusters: new Map(),
  endpoints: new Map(),
  secrets: new Map(),
  versions: {},
});

/**
 * Holds the snapshot the data plane serves. The xds-client replaces it whole after it has
 * validated an update; readers take `current` once per connection or request, so a swap never
 * changes config under work in flight.
 */
export class SnapshotHolder extends EventEmitter<{ update: [next: ProxySnapshot, previous: ProxySnapshot] }> {
  private snapshot: ProxySnapshot = EMPTY_SNAPSHOT;

  get current(): ProxySnapshot {
    return this.snapshot;
  }

  replace(next: ProxySnapshot): void {
    const previous = this.snapshot;
    this.snapshot = next;
    this.emit('update', next, previous);
  }
}

/** Facts about one downstream connection, gathered once when it is accepted. */
export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** The destination the client asked for (SO_ORIGINAL_DST under capture, else the local address). */
  readonly originalDestination: { readonly address: string; readonly port: number };
  /** SNI and ALPN seen in the ClientHello, when the connection starts with TLS. */
  readonly serverName?: string;
  readonly alpn?: readonly string[];
  /** True once TLS was terminated by this proxy. */
  readonly tlsTerminated: boolean;
  /** The ALPN protocol negotiated when this proxy terminated TLS (`h2`, `http/1.1`, ...). */
  readonly negotiatedAlpn?: string;
  /** SPIFFE id of a verified client certificate (mTLS), e.g. `spiffe://cluster.local/ns/default/sa/web`. */
  readonly peerPrincipal?: string;
  /** Both ends' certificate facts when the peer presented one (x-forwarded-client-cert); read lazily. */
  readonly peerCertificates?: ConnectionCertificates;
  /** Name of the listener and filter chain that accepted it (for stats and logs). */
  readonly listenerName: string;
  readonly filterChainName: string;
}
