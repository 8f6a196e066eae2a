import { pino, type Logger } from 'pino';
import type { ClusterConfig, ClusterLoadAssignment, ProxySnapshot } from '../config/model.js';
import type { SnapshotHolder } from '../config/snapshot-holder.js';
import { ClusterState, type UpstreamConnection } from './cluster-state.js';
import { TlsContextCache } from './tls-context-cache.js';
import { UpstreamError } from './upstream-error.js';
import type { UpstreamHost } from './upstream-host.js';
import type { PickContext, UpstreamHttpRequest, UpstreamHttpResponse } from './upstream-http-types.js';

const EMPTY_CONTEXT: PickContext = Object.freeze({});

/** Options for {@link UpstreamManager}. */
export interface UpstreamManagerOptions {
  readonly logger?: Logger;
}

/**
 * The proxy's upstream side: one {@link ClusterState} per cluster of the current snapshot.
 * It follows the {@link SnapshotHolder}: added clusters start, changed ones update in place
 * (hosts, pools and counters carry over; removed hosts drain), removed ones drain and stop.
 * Routers and tcp_proxy ask it for endpoints, HTTP exchanges and TCP connections; failures are
 * {@link UpstreamError}s whose `flag` is Envoy's response flag.
 */
export class UpstreamManager {
  private readonly clusters = new Map<string, ClusterState>();
  private readonly tlsCache = new TlsContextCache();
  private readonly log: Logger;
  private snapshot: ProxySnapshot;
  private readonly onUpdate: (next: ProxySnapshot) => void;

  constructor(
    private readonly holder: SnapshotHolder,
    opts: UpstreamManagerOptions = {},
  ) {
    this.log = opts.logger ?? pino({ name: 'upstream', level: 'info' }, pino.destination(2));
    this.snapshot = holder.current;
    this.apply(holder.current);
    this.onUpdate = (next) => this.apply(next);
    holder.on('update', this.onUpdate);
  }

  private apply(snap: ProxySnapshot): void {
    this.snapshot = snap;
    for (const [name, config] of snap.clusters) {
      const assignment = assignmentFor(config, snap);
      const existing = this.clusters.get(name);
      if (existing !== undefined) {
        existing.update(config, assignment);
      } else {
        this.clusters.set(name, new ClusterState(config, assignment, () => this.snapshot.secrets, this.tlsCache, this.log));
        this.log.debug({ cluster: name, type: config.type, lb: config.lbPolicy }, 'cluster added');
      }
    }
    for (const [name, state] of this.clusters) {
      if (snap.clusters.has(name)) continue;
      this.clusters.delete(name);
      void state.close();
      this.log.debug({ cluster: name }, 'cluster removed; draining');
    }
  }

  /** The run-time state of a cluster (for admin endpoints and tests). */
  cluster(name: string): ClusterState | undefined {
    return this.clusters.get(name);
  }

  /** Choose an endpoint of `clusterName` without sending anything (undefined: none usable). */
  pickEndpoint(clusterName: string, ctx: PickContext = EMPTY_CONTEXT): UpstreamHost | undefined {
    return this.clusters.get(clusterName)?.pick(ctx);
  }

  /**
   * Send an HTTP request through the cluster's pooled connections and resolve with the
   * response once its headers arrive. Rejects with an UpstreamError: `NC` unknown cluster,
   * `UH` no healthy host, `UO` circuit breaker, `UF` connect/TLS failure, `UT` per-try timeout,
   * `UC`/`UR` upstream closed or reset, `DC` aborted by the caller.
   */
  request(clusterName: string, req: UpstreamHttpRequest, ctx: PickContext = EMPTY_CONTEXT): Promise<UpstreamHttpResponse> {
    const state = this.clusters.get(clusterName);
    if (state === undefined) return Promise.reject(new UpstreamError('NC', 'cluster_not_found', `cluster ${clusterName} not found`));
    const warming = state.warming;
    if (warming !== undefined) return warming.then(() => state.request(req, ctx));
    return state.request(req, ctx);
  }

  /** Open a TCP (or TLS) connection to an endpoint of the cluster, for tcp_proxy. */
  connect(clusterName: string, ctx: PickContext = EMPTY_CONTEXT): Promise<UpstreamConnection> {
    const state = this.clusters.get(clusterName);
    if (state === undefined) return Promise.reject(new UpstreamError('NC', 'cluster_not_found', `cluster ${clusterName} not found`));
    const warming = state.warming;
    if (warming !== undefined) return warming.then(() => state.connect(ctx));
    return state.connect(ctx);
  }

  /**
   * Reserve a retry against the cluster's `maxRetries` breaker. False means overflow: the
   * router should not retry (Envoy counts `upstream_rq_retry_overflow`). Pair with {@link endRetry}.
   */
  tryStartRetry(clusterName: string): boolean {
    return this.clusters.get(clusterName)?.breaker.tryStartRetry() ?? false;
  }

  endRetry(clusterName: string): void {
    this.clusters.get(clusterName)?.breaker.endRetry();
  }

  /** Stop following the snapshot and drain every cluster (graceful shutdown). */
  async drain(): Promise<void> {
    this.holder.off('update', this.onUpdate);
    const all = [...this.clusters.values()].map((c) => c.close());
    this.clusters.clear();
    await Promise.all(all);
  }

  /** Stop following the snapshot and close every upstream connection now. */
  async close(): Promise<void> {
    this.holder.off('update', this.onUpdate);
    const all = [...this.clusters.values()].map((c) => c.destroy());
    this.clusters.clear();
    await Promise.all(all);
  }
}

/** EDS clusters take endpoints from the snapshot; the others carry them inline (EDS data wins if both). */
function assignmentFor(config: ClusterConfig, snap: ProxySnapshot): ClusterLoadAssignment | undefined {
  if (config.type === 'EDS') return snap.endpoints.get(config.name) ?? config.loadAssignment;
  return config.loadAssignment ?? snap.endpoints.get(config.name);
}
