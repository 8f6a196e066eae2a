import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { FilterChain, HttpConnectionManagerConfig, ListenerConfig, ProxySnapshot, SocketAddress } from '../config/model.js';
import type { ConnectionInfo } from '../config/snapshot-holder.js';
import type { TcpProxy } from '../tcp/tcp-proxy.js';
import { snapshotSecretLookup, type SecretLookup } from '../tls/secret-lookup.js';
import { TlsTerminationError, type TlsTerminator } from '../tls/tls-terminator.js';
import { inspectorNeeds, selectFilterChain, type ConnectionFacts } from './filter-chain-match.js';
import type { ListenerStats } from './listener-stats.js';
import type { CurrentHttpHandler, HttpConnectionHandler, HttpConnectionManagerFactory, HttpHandlerFollow, NetworkRbacCheck } from './network-filter-chain.js';
import { sniffConnection, type SniffResult } from './protocol-sniffer.js';

/** Dependencies of the per-connection pipeline. */
export interface ConnectionHandlerOptions {
  readonly tcpProxy: TcpProxy;
  readonly tls: TlsTerminator;
  readonly httpConnectionManager?: HttpConnectionManagerFactory;
  readonly networkRbac?: NetworkRbacCheck;
  /** Local secrets (the agent's `default` / `ROOTCA`), consulted before the snapshot's. */
  readonly localSecrets?: SecretLookup;
  readonly stats: ListenerStats;
  readonly logger: Logger;
  /** Envoy's listener_filters_timeout: how long the inspectors wait for first bytes (default 5 s). */
  readonly detectionTimeoutMs?: number;
  /** Aborted when the proxy gives up draining: long-lived tcp_proxy pipes are cut. */
  readonly drainSignal?: AbortSignal;
  /** The snapshot now served; open HTTP connections follow its chains (policy and filter changes). */
  readonly currentSnapshot?: () => ProxySnapshot;
}

/** Where a connection landed and which listener's chains it is matched against. */
export interface AcceptedConnection {
  readonly socket: Socket;
  readonly id: number;
  /** The listener whose chains apply (the hand-off target, or the accepting listener). */
  readonly listener: ListenerConfig;
  readonly destination: SocketAddress;
  /** The snapshot taken when the connection was accepted; a later swap never changes its config. */
  readonly snapshot: ProxySnapshot;
}

/** An open connection whose chain did not change. */
const STAY: HttpHandlerFollow = Object.freeze({ drain: false });

const NO_SNIFF: SniffResult = { transportProtocol: 'raw_buffer', applicationProtocols: [], timedOut: false, alive: true };

/**
 * The request path of one downstream connection up to the network filters: listener filters
 * (tls/http inspectors), filter chain match, TLS termination, network RBAC, then the terminal
 * filter (tcp_proxy or the HTTP connection manager). Errors end this connection only.
 */
export class ConnectionHandler {
  private readonly hcms = new WeakMap<HttpConnectionManagerConfig, HttpConnectionHandler>();
  // Weak, so HCMs of configs long replaced can be collected once their connections are gone.
  private readonly liveHcms = new Set<WeakRef<HttpConnectionHandler>>();
  private readonly log: Logger;

  constructor(private readonly opts: ConnectionHandlerOptions) {
    this.log = opts.logger;
  }

  /** Asks every HTTP connection manager built so far to drain its connections. */
  drainHttp(): void {
    for (const ref of this.liveHcms) {
      const h = ref.deref();
      if (h) h.drain?.();
      else this.liveHcms.delete(ref);
    }
  }

  /** Closes every HTTP connection manager (after the drain deadline, or on stop). */
  async closeHttp(): Promise<void> {
    const all: Promise<void>[] = [];
    for (const ref of this.liveHcms) all.push(ref.deref()?.close?.() ?? Promise.resolve());
    this.liveHcms.clear();
    await Promise.allSettled(all);
  }

  /** Runs the pipeline; resolves when the connection has been handed to its terminal filter or closed. */
  async handle(conn: AcceptedConnection): Promise<void> {
    const { socket, listener, snapshot } = conn;
    const { stats } = this.opts;
    const needs = inspectorNeeds(listener);
    const sniff = needs.tls || needs.http ? await sniffConnection(socket, { tls: needs.tls, http: needs.http, timeoutMs: this.opts.detectionTimeoutMs ?? 5000 }) : NO_SNIFF;
    if (!sniff.alive || socket.destroyed) return;
    const facts: ConnectionFacts = {
      destinationAddress: conn.destination.address,
      destinationPort: conn.destination.port,
      sourceAddress: socket.remoteAddress ?? '',
      ...(sniff.serverName ? { serverName: sniff.serverName } : {}),
      transportProtocol: sniff.transportProtocol,
      applicationProtocols: sniff.applicationProtocols,
    };
    const chain = selectFilterChain(listener, facts);
    if (!chain) {
      stats.noFilterChainMatch.inc({ envoy_listener_address: listener.name });
      this.log.debug({ connection: conn.id, listener: listener.name, destination: conn.destination, sni: sniff.serverName, transport: sniff.transportProtocol }, 'no filter chain matched; closing');
      socket.destroy();
      return;
    }
    const base = {
      id: conn.id,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
      originalDestination: conn.destination,
      ...(sniff.serverName ? { serverName: sniff.serverName } : {}),
      ...(sniff.transportProtocol === 'tls' ? { alpn: sniff.applicationProtocols } : {}),
      listenerName: listener.name,
      filterChainName: chain.name,
    };
    let stream: Socket = socket;
    let info: ConnectionInfo;
    if (chain.tls) {
      try {
        const t = await this.opts.tls.terminate(socket, chain.tls, snapshotSecretLookup(snapshot, this.opts.localSecrets), sniff.transportProtocol === 'tls' ? sniff.applicationProtocols : []);
        stats.tlsHandshakes.inc({ envoy_listener_address: listener.name });
        stream = t.socket;
        info = { ...base, tlsTerminated: true, ...(t.peerPrincipal ? { peerPrincipal: t.peerPrincipal } : {}), ...(t.negotiatedAlpn ? { negotiatedAlpn: t.negotiatedAlpn } : {}), ...(t.peerCertificates ? { peerCertificates: t.peerCertificates } : {}) };
        // The TLS socket may fail after the handshake (reset mid-stream); never let that throw.
        stream.on('error', (err) => this.log.debug({ connection: conn.id, err: err.message }, 'downstream TLS connection error'));
      } catch (err) {
        const reason = err instanceof TlsTerminationError ? err.reason : 'handshake';
        stats.tlsHandshakeErrors.inc({ envoy_listener_address: listener.name, reason });
        const level = reason === 'no_context' ? 'warn' : 'debug';
        this.log[level]({ connection: conn.id, listener: listener.name, chain: chain.name, reason, err: (err as Error).message }, 'downstream TLS failed; closing');
        socket.destroy();
        return;
      }
    } else {
      info = { ...base, tlsTerminated: false };
    }
    this.runFilters(stream, chain, listener, info, snapshot, facts);
  }

  /**
   * For an open HTTP connection: the handler of the chain the current snapshot would give it
   * (same listener, same connection facts). Envoy drains connections of a changed chain onto the
   * new one; serving their next requests with the new config gets there without the reconnect.
   * Resolved once per snapshot and connection.
   */
  private currentHttpHandler(accepted: ProxySnapshot, listenerName: string, facts: ConnectionFacts, was: FilterChain): CurrentHttpHandler | undefined {
    const now = this.opts.currentSnapshot;
    if (!now) return undefined;
    let seen = accepted;
    let follow: HttpHandlerFollow = STAY;
    // What the connection was accepted with, serialised on the first change only.
    let acceptedTls: string | undefined;
    let acceptedNetwork: string | undefined;
    return () => {
      const snapshot = now();
      if (snapshot === seen || follow.drain) return follow;
      seen = snapshot;
      acceptedTls ??= JSON.stringify(was.tls ?? null);
      acceptedNetwork ??= JSON.stringify(was.filters.filter((f) => f.kind !== 'http_connection_manager'));
      const listener = snapshot.listeners.get(listenerName);
      const chain = listener ? selectFilterChain(listener, facts) : undefined;
      const config = chain?.filters.find((f): f is HttpConnectionManagerConfig => f.kind === 'http_connection_manager');
      // Only the HTTP side may change under an open connection: its TLS handshake and network
      // filters (RBAC) were decided at accept, so a change there drains it onto a new one.
      const same = chain !== undefined && JSON.stringify(chain.tls ?? null) === acceptedTls && JSON.stringify(chain.filters.filter((f) => f.kind !== 'http_connection_manager')) === acceptedNetwork;
      if (listener && chain && config && same) follow = { handler: this.hcmFor(config, chain, listener), drain: false };
      else follow = { ...(follow.handler ? { handler: follow.handler } : {}), drain: true };
      return follow;
    };
  }

  private runFilters(stream: Socket, chain: FilterChain, listener: ListenerConfig, info: ConnectionInfo, accepted: ProxySnapshot, facts: ConnectionFacts): void {
    for (const filter of chain.filters) {
      switch (filter.kind) {
        case 'network_rbac': {
          const verdict = this.opts.networkRbac ? this.opts.networkRbac(filter, info) : undefined;
          if (!verdict?.allowed) {
            // Envoy's CONNECTION_TERMINATION_DETAILS for an RBAC close.
            const details = `rbac_access_denied_matched_policy[${verdict?.policy ?? 'none'}]`;
            this.log.debug({ connection: info.id, chain: chain.name, principal: info.peerPrincipal, details, evaluated: verdict !== undefined }, 'connection denied by network RBAC');
            stream.destroy();
            return;
          }
          break;
        }
        case 'tcp_proxy':
          void this.opts.tcpProxy.handle(stream, filter, info, this.opts.drainSignal);
          return;
        case 'http_connection_manager': {
          const hcm = this.hcmFor(filter, chain, listener);
          if (!hcm) {
            this.log.warn({ connection: info.id, chain: chain.name }, 'no HTTP connection manager is available; closing');
            stream.destroy();
            return;
          }
          const follow = this.currentHttpHandler(accepted, listener.name, facts, chain);
          if (follow) hcm.handleSocket(stream, info, follow);
          else hcm.handleSocket(stream, info);
          return;
        }
      }
    }
    this.log.warn({ connection: info.id, chain: chain.name }, 'filter chain has no terminal filter; closing');
    stream.destroy();
  }

  private hcmFor(config: HttpConnectionManagerConfig, chain: FilterChain, listener: ListenerConfig): HttpConnectionHandler | undefined {
    let h = this.hcms.get(config);
    if (h) return h;
    if (!this.opts.httpConnectionManager) return undefined;
    h = this.opts.httpConnectionManager(config, chain, listener);
    this.hcms.set(config, h);
    this.liveHcms.add(new WeakRef(h));
    return h;
  }
}
