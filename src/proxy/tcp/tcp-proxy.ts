import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { SocketAddress, TcpProxyFilter } from '../config/model.js';
import type { ConnectionInfo } from '../config/snapshot-holder.js';
import type { ListenerStats } from '../listener/listener-stats.js';
import { pipeSockets, type PipeResult } from './socket-pipe.js';
import { pickWeightedCluster } from './weighted-cluster.js';
import type { TcpConnectionFacts, TcpConnectionMetrics } from '../../telemetry/istio-standard-metrics.js';

/** Envoy's tcp_proxy idle timeout when the config sets none: one hour. */
export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 3_600_000;

/**
 * What the upstream side is told about the downstream connection; shaped like the upstream
 * manager's PickContext (ORIGINAL_DST clusters need the original destination).
 */
export interface TcpConnectContext {
  readonly downstreamAddress?: string;
  readonly originalDestination?: SocketAddress;
  readonly downstream?: ConnectionInfo;
}

/**
 * Opens an upstream TCP connection to a host of a cluster (load balancing, circuit breaking,
 * upstream TLS are the connector's business). The UpstreamManager fits: it resolves
 * `{ socket, endpoint }`; a bare stream is accepted too.
 */
export interface TcpUpstreamConnector {
  connect(clusterName: string, ctx: TcpConnectContext): Promise<Duplex | { readonly socket: Duplex }>;
}

/** Dependencies of tcp_proxy. */
export interface TcpProxyOptions {
  readonly upstream: TcpUpstreamConnector;
  readonly stats: ListenerStats;
  readonly logger: Logger;
  /** Istio's TCP metrics (ProxyStats.tcpConnection): called once a connection reaches its upstream. */
  readonly metrics?: (facts: TcpConnectionFacts) => TcpConnectionMetrics;
}

/** Lets a socket keep writing after its peer's FIN; set on both ends so half-close propagates. */
function allowHalfOpen(s: Duplex): void {
  (s as { allowHalfOpen: boolean }).allowHalfOpen = true;
}

/**
 * Envoy's tcp_proxy network filter: picks a (weighted) cluster, connects through the upstream
 * manager, and pipes bytes both ways until both sides finish. Whatever was peeked by the
 * listener filters is still in the downstream stream, so TLS passthrough forwards the
 * ClientHello untouched.
 */
export class TcpProxy {
  constructor(private readonly opts: TcpProxyOptions) {}

  /** Proxies one connection; resolves when it is over (never rejects). */
  async handle(downstream: Socket, filter: TcpProxyFilter, info: ConnectionInfo, signal?: AbortSignal): Promise<PipeResult | undefined> {
    const { stats, logger } = this.opts;
    const prefix = { envoy_tcp_prefix: filter.statPrefix };
    stats.tcpCxTotal.inc(prefix);
    allowHalfOpen(downstream);
    // Keep the downstream from buffering unbounded data while we connect.
    downstream.pause();
    const cluster = pickWeightedCluster(filter.clusters);
    if (!cluster) {
      downstream.destroy();
      return undefined;
    }
    let upstream: Duplex;
    let upstreamHost: string | undefined;
    try {
      const conn = await this.opts.upstream.connect(cluster.name, { downstreamAddress: info.remoteAddress, originalDestination: info.originalDestination, downstream: info });
      upstream = 'socket' in conn && !('pipe' in conn) ? conn.socket : (conn as Duplex);
      const endpoint = (conn as { endpoint?: { key?: string } }).endpoint;
      upstreamHost = endpoint?.key;
    } catch (err) {
      stats.tcpConnectFail.inc(prefix);
      this.opts.metrics?.({ inbound: cluster.name.startsWith('inbound|'), cluster: cluster.name, ...(info.peerPrincipal ? { peerPrincipal: info.peerPrincipal } : {}) }).closed('UF');
      logger.debug({ cluster: cluster.name, connection: info.id, err: (err as Error).message }, 'tcp_proxy upstream connect failed');
      downstream.destroy();
      return undefined;
    }
    if (downstream.destroyed) {
      upstream.destroy();
      return undefined;
    }
    allowHalfOpen(upstream);
    // Inbound clusters are named `inbound|…` (Istio): that side reports as `destination`.
    const metrics = this.opts.metrics?.({
      inbound: cluster.name.startsWith('inbound|'),
      cluster: cluster.name,
      ...(upstreamHost ? { upstreamHost } : {}),
      ...(info.peerPrincipal ? { peerPrincipal: info.peerPrincipal } : {}),
    });
    const result = await pipeSockets(downstream, upstream, {
      idleTimeoutMs: filter.idleTimeoutMs ?? DEFAULT_TCP_IDLE_TIMEOUT_MS,
      onBytes: (dir, n) => {
        (dir === 'sent' ? stats.tcpRxBytes : stats.tcpTxBytes).inc(prefix, n);
        if (dir === 'sent') metrics?.sent(n);
        else metrics?.received(n);
      },
      ...(signal ? { signal } : {}),
    });
    metrics?.closed(result.reason === 'closed' ? '-' : result.reason === 'upstream_reset' ? 'UC' : result.reason === 'idle_timeout' ? 'IT' : 'DC');
    if (result.reason === 'idle_timeout') stats.tcpIdleTimeout.inc(prefix);
    logger.debug({ cluster: cluster.name, connection: info.id, ...result }, 'tcp_proxy connection finished');
    return result;
  }
}
