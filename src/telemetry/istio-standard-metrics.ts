import { formatResponseFlags } from '../proxy/errors/response-flags.js';
import type { RequestRecord } from '../proxy/http/request-record.js';
import type { CounterFamily, CounterSeries } from './counter-family.js';
import { destinationServiceOf, type DestinationService } from './destination-service.js';
import type { HistogramFamily, HistogramSeries } from './histogram-family.js';
import { ISTIO_HTTP_LABELS, ISTIO_TCP_LABELS } from './istio-labels.js';
import type { MetricsRegistry } from './metrics-registry.js';
import { NO_UPSTREAM_FACTS, type UpstreamFacts } from './upstream-facts.js';
import { peerFromEndpointMetadata, peerFromPrincipal, UNKNOWN, type WorkloadLabels } from './workload-labels.js';

/** Options of {@link IstioStandardMetrics}. */
export interface IstioStandardMetricsOptions {
  /** This proxy's workload (source on outbound requests, destination on inbound ones). */
  readonly local: WorkloadLabels;
  readonly upstream?: UpstreamFacts;
}

/** Facts about one proxied TCP connection, known when it is opened. */
export interface TcpConnectionFacts {
  /** True on the inbound side (reporter `destination`). */
  readonly inbound: boolean;
  readonly cluster?: string;
  /** `address:port` of the upstream host. */
  readonly upstreamHost?: string;
  /** Verified SPIFFE id of the downstream peer (inbound mTLS). */
  readonly peerPrincipal?: string;
}

/** Counters of one TCP connection; call them as bytes move and once when it closes. */
export interface TcpConnectionMetrics {
  sent(bytes: number): void;
  received(bytes: number): void;
  /** `responseFlags` as Envoy prints them (`UF`, `-`). */
  closed(responseFlags?: string): void;
}

/** The four HTTP series of one full label set. */
interface HttpSeries {
  readonly requests: CounterSeries;
  readonly duration: HistogramSeries;
  readonly requestBytes: HistogramSeries;
  readonly responseBytes: HistogramSeries;
}

/**
 * Everything fixed once the cluster and the peer are known; the per-status tail is looked up
 * by a number (status, gRPC status and protocol packed together), so a request that repeats a
 * label set costs two or three Map lookups and no string building.
 */
interface PeerContext {
  /** Label values up to `request_protocol`, shared by every series of this context. */
  readonly prefix: readonly string[];
  readonly securityPolicy: string;
  readonly plain: Map<number, HttpSeries>;
  /** Requests with response flags, by the flags' text (rarer: errors). */
  readonly flagged: Map<string, Map<number, HttpSeries>>;
  tcp?: TcpSeries;
}

interface TcpSeries {
  readonly opened: CounterSeries;
  readonly sent: CounterSeries;
  readonly received: CounterSeries;
  readonly closed: CounterSeries;
}

interface ClusterContext {
  readonly inbound: boolean;
  readonly service: DestinationService | undefined;
  readonly peers: Map<string, PeerContext>;
}

const NO_CLUSTER = '';

function isInbound(cluster: string | undefined, listenerName: string): boolean {
  if (cluster !== undefined) return cluster.startsWith('inbound|') || cluster === 'InboundPassthroughCluster';
  return listenerName === 'virtualInbound' || listenerName.startsWith('inbound');
}

/**
 * Istio's standard metrics (`istio_requests_total`, `istio_request_duration_milliseconds`,
 * `istio_request_bytes`, `istio_response_bytes`, and the four `istio_tcp_*`), fed by the
 * proxy's request records. The proxy reports as `source` on outbound traffic and as
 * `destination` on inbound traffic, as a sidecar does.
 */
export class IstioStandardMetrics {
  private readonly requests: CounterFamily;
  private readonly duration: HistogramFamily;
  private readonly requestBytes: HistogramFamily;
  private readonly responseBytes: HistogramFamily;
  private readonly tcpSent: CounterFamily;
  private readonly tcpReceived: CounterFamily;
  private readonly tcpOpened: CounterFamily;
  private readonly tcpClosed: CounterFamily;
  private readonly local: WorkloadLabels;
  private readonly facts: UpstreamFacts;
  private clusters = new Map<string, ClusterContext>();

  constructor(registry: MetricsRegistry, opts: IstioStandardMetricsOptions) {
    this.local = opts.local;
    this.facts = opts.upstream ?? NO_UPSTREAM_FACTS;
    this.requests = registry.counter('istio_requests_total', 'Requests handled by the proxy (Istio standard metric).', ISTIO_HTTP_LABELS);
    this.duration = registry.histogram('istio_request_duration_milliseconds', 'Request duration in milliseconds (Istio standard metric).', ISTIO_HTTP_LABELS);
    this.requestBytes = registry.histogram('istio_request_bytes', 'Request body sizes in bytes (Istio standard metric).', ISTIO_HTTP_LABELS);
    this.responseBytes = registry.histogram('istio_response_bytes', 'Response body sizes in bytes (Istio standard metric).', ISTIO_HTTP_LABELS);
    this.tcpSent = registry.counter('istio_tcp_sent_bytes_total', 'Bytes sent to the downstream during TCP connections (Istio standard metric).', ISTIO_TCP_LABELS);
    this.tcpReceived = registry.counter('istio_tcp_received_bytes_total', 'Bytes received from the downstream during TCP connections (Istio standard metric).', ISTIO_TCP_LABELS);
    this.tcpOpened = registry.counter('istio_tcp_connections_opened_total', 'TCP connections opened (Istio standard metric).', ISTIO_TCP_LABELS);
    this.tcpClosed = registry.counter('istio_tcp_connections_closed_total', 'TCP connections closed (Istio standard metric).', ISTIO_TCP_LABELS);
  }

  /** Forget cached cluster facts after a config change (series and their values stay). */
  invalidate(): void {
    this.clusters = new Map();
  }

  /** Counts one finished HTTP/gRPC request. */
  recordRequest(r: RequestRecord): void {
    const inbound = isInbound(r.cluster, r.listenerName);
    const ctx = this.peerContext(r.cluster, inbound, inbound ? r.peerPrincipal : r.upstreamHost);
    const grpc = r.grpcStatus;
    // status (0..999) | gRPC status + 1 (0 = not gRPC) above it: one integer per label tail.
    const sig = r.status + (grpc === undefined ? 0 : (grpc + 1) * 1000);
    let byStatus: Map<number, HttpSeries>;
    let flags = '-';
    if (r.flags.size === 0) byStatus = ctx.plain;
    else {
      flags = formatResponseFlags(r.flags);
      let m = ctx.flagged.get(flags);
      if (m === undefined) ctx.flagged.set(flags, (m = new Map()));
      byStatus = m;
    }
    let s = byStatus.get(sig);
    if (s === undefined) {
      const values = [...ctx.prefix, grpc === undefined ? 'http' : 'grpc', String(r.status), grpc === undefined ? '' : String(grpc), flags, ctx.securityPolicy];
      s = {
        requests: this.requests.series(values),
        duration: this.duration.series(values),
        requestBytes: this.requestBytes.series(values),
        responseBytes: this.responseBytes.series(values),
      };
      byStatus.set(sig, s);
    }
    s.requests.value++;
    s.duration.observe(r.durationMs ?? 0);
    s.requestBytes.observe(r.bytesReceived);
    s.responseBytes.observe(r.bytesSent);
  }

  /** Counts a TCP connection as opened and returns the counters to feed while it lives. */
  tcpConnection(c: TcpConnectionFacts): TcpConnectionMetrics {
    const ctx = this.peerContext(c.cluster, c.inbound, c.inbound ? c.peerPrincipal : c.upstreamHost);
    const tcp = (ctx.tcp ??= this.tcpSeries(ctx, '-'));
    tcp.opened.value++;
    return {
      sent: (n) => { tcp.sent.value += n; },
      received: (n) => { tcp.received.value += n; },
      closed: (flags = '-') => {
        (flags === '-' ? tcp : this.tcpSeries(ctx, flags)).closed.value++;
      },
    };
  }

  private tcpSeries(ctx: PeerContext, flags: string): TcpSeries {
    const values = [...ctx.prefix, 'tcp', flags, ctx.securityPolicy];
    return {
      opened: this.tcpOpened.series(values),
      sent: this.tcpSent.series(values),
      received: this.tcpReceived.series(values),
      closed: this.tcpClosed.series(values),
    };
  }

  private peerContext(cluster: string | undefined, inbound: boolean, peerKey: string | undefined): PeerContext {
    const clusterKey = cluster ?? NO_CLUSTER;
    let cc = this.clusters.get(clusterKey);
    if (cc === undefined || cc.inbound !== inbound) {
      const service = cluster === undefined ? undefined : this.facts.serviceOf(cluster);
      cc = { inbound, service: service === undefined ? undefined : destinationServiceOf(cluster, service, undefined), peers: new Map() };
      this.clusters.set(clusterKey, cc);
    }
    const key = peerKey ?? '';
    let pc = cc.peers.get(key);
    if (pc === undefined) {
      pc = this.buildPeerContext(cluster, cc, peerKey);
      cc.peers.set(key, pc);
    }
    return pc;
  }

  private buildPeerContext(cluster: string | undefined, cc: ClusterContext, peerKey: string | undefined): PeerContext {
    let source: WorkloadLabels;
    let destination: WorkloadLabels;
    let service: DestinationService;
    if (cc.inbound) {
      source = peerFromPrincipal(peerKey);
      destination = this.local;
      service = cc.service ?? { service: this.local.canonicalService === UNKNOWN ? UNKNOWN : `${this.local.canonicalService}.${this.local.namespace}.svc.cluster.local`, name: this.local.canonicalService, namespace: this.local.namespace };
    } else {
      source = this.local;
      const meta = cluster !== undefined && peerKey !== undefined ? this.facts.hostMetadata?.(cluster, peerKey) : undefined;
      destination = peerFromEndpointMetadata(meta, cluster !== undefined ? this.facts.principalOf?.(cluster) : undefined);
      service = cc.service ?? destinationServiceOf(cluster, undefined, peerKey);
    }
    const prefix = Object.freeze([
      cc.inbound ? 'destination' : 'source',
      source.workload, source.namespace, source.principal, source.app, source.version, source.canonicalService, source.canonicalRevision, source.cluster,
      destination.workload, destination.namespace, destination.principal, destination.app, destination.version,
      service.service, service.name, service.namespace,
      destination.canonicalService, destination.canonicalRevision, destination.cluster,
    ]);
    // Only the receiving side can tell how the connection was secured.
    const securityPolicy = cc.inbound ? (peerKey ? 'mutual_tls' : 'none') : UNKNOWN;
    return { prefix, securityPolicy, plain: new Map(), flagged: new Map() };
  }
}
