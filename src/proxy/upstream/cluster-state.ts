import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ClusterConfig, ClusterLoadAssignment, Endpoint, SecretConfig, UpstreamTlsConfig } from '../config/model.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { resolveAll, sameAddresses } from './dns-resolver.js';
import { HttpPool } from './http-pool.js';
import { parseOriginalDstHeader } from './original-destination.js';
import { OutlierDetector } from './outlier-detector.js';
import { DEFAULT_PANIC_THRESHOLD, PrioritySet, type LocalityGroup } from './priority-set.js';
import { toUpstreamHeaders } from './request-headers.js';
import type { TlsContextCache } from './tls-context-cache.js';
import { openConnection } from './upstream-connector.js';
import { UpstreamError } from './upstream-error.js';
import { UpstreamExchange } from './upstream-exchange.js';
import { UpstreamHost } from './upstream-host.js';
import type { PickContext, UpstreamHttpRequest, UpstreamHttpResponse } from './upstream-http-types.js';
import { xxhash64 } from './xxhash64.js';

/** Envoy's defaults. */
const DEFAULT_DNS_REFRESH_MS = 5_000;
const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;
const DEFAULT_MAX_CONCURRENT_STREAMS = 100;
const ORIGINAL_DST_CLEANUP_MS = 5_000;
/** Envoy re-draws once when a retry's pick lands on a host already tried, unless told otherwise. */
const DEFAULT_HOST_SELECTION_ATTEMPTS = 1;
const H2_ALPN: readonly string[] = ['h2'];
const H1_ALPN: readonly string[] = ['http/1.1'];
const NO_ALPN: readonly string[] = [];

/** One host's pools and the TLS settings its connections use. */
interface HostPools {
  /** Transport for this host: the cluster's TLS, a matching transport socket's, or none. */
  readonly tls: UpstreamTlsConfig | undefined;
  h1: HttpPool | undefined;
  h2: HttpPool | undefined;
}

/** A TCP connection opened for tcp_proxy. */
export interface UpstreamConnection {
  readonly socket: Socket;
  readonly endpoint: UpstreamHost;
}

/**
 * The run-time side of one cluster: its hosts (kept across updates by address), priority set
 * and balancers, circuit breaker, outlier detector, DNS refresh and connection pools. Updated
 * in place on snapshot swaps; hosts that leave drain their pools while their requests finish.
 */
export class ClusterState {
  config: ClusterConfig;
  private assignment: ClusterLoadAssignment | undefined;
  readonly breaker: CircuitBreaker;
  outlier: OutlierDetector | undefined;
  private hosts = new Map<string, UpstreamHost>();
  private groups: LocalityGroup[] = [];
  private pools = new Map<UpstreamHost, HostPools>();
  prioritySet: PrioritySet;
  /** STRICT_DNS: resolved addresses per name. */
  private dns = new Map<string, string[]>();
  private dnsTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Set until the first DNS answer for STRICT_DNS clusters, as Envoy warms a cluster. */
  warming: Promise<void> | undefined;
  private closed = false;

  constructor(
    config: ClusterConfig,
    assignment: ClusterLoadAssignment | undefined,
    private readonly secrets: () => ReadonlyMap<string, SecretConfig>,
    private readonly tlsCache: TlsContextCache,
    private readonly log: Logger,
  ) {
    this.config = config;
    this.assignment = assignment;
    this.breaker = new CircuitBreaker(config.circuitBreakers);
    this.prioritySet = new PrioritySet([], config, this.prioritySetOptions());
    this.configureOutlier();
    this.rebuildHosts();
    this.configureDns();
    if (config.type === 'ORIGINAL_DST') {
      this.sweepTimer = setInterval(() => this.sweepOriginalDst(Date.now()), ORIGINAL_DST_CLEANUP_MS);
      this.sweepTimer.unref();
    }
  }

  get name(): string {
    return this.config.name;
  }

  /** Every live host (for /clusters, tests and the ejection percentage). */
  get allHosts(): UpstreamHost[] {
    return [...this.hosts.values()];
  }

  /** Apply a new cluster config and/or load assignment from a snapshot swap. */
  update(config: ClusterConfig, assignment: ClusterLoadAssignment | undefined): void {
    const configChanged = config !== this.config;
    const assignmentChanged = assignment !== this.assignment;
    if (!configChanged && !assignmentChanged) return;
    this.config = config;
    this.assignment = assignment;
    if (configChanged) {
      this.breaker.thresholds = config.circuitBreakers;
      this.configureOutlier();
      // New transport or protocol settings apply to new connections; old pools drain.
      for (const [host, p] of this.pools) {
        this.drainPools(p);
        this.pools.delete(host);
      }
      this.configureDns();
    }
    this.rebuildHosts();
  }

  /** Stop timers and drain every pool; in-flight requests finish. */
  close(): Promise<void> {
    this.closed = true;
    this.outlier?.stop();
    if (this.dnsTimer !== undefined) clearInterval(this.dnsTimer);
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    const drains: Promise<void>[] = [];
    for (const p of this.pools.values()) drains.push(...this.drainPools(p));
    this.pools.clear();
    for (const h of this.hosts.values()) h.live = false;
    return Promise.all(drains).then(() => undefined);
  }

  /** Close every connection now (proxy shutdown). */
  destroy(): Promise<void> {
    this.closed = true;
    this.outlier?.stop();
    if (this.dnsTimer !== undefined) clearInterval(this.dnsTimer);
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    const all: Promise<void>[] = [];
    for (const p of this.pools.values()) {
      if (p.h1 !== undefined) all.push(p.h1.destroy());
      if (p.h2 !== undefined) all.push(p.h2.destroy());
    }
    this.pools.clear();
    return Promise.all(all).then(() => undefined);
  }

  // ---------------------------------------------------------------- choosing a host

  /** Choose a host, honouring ORIGINAL_DST, the hash key and the previously attempted hosts. */
  pick(ctx: PickContext, headers?: UpstreamHttpRequest['headers']): UpstreamHost | undefined {
    if (this.config.type === 'ORIGINAL_DST') return this.originalDstHost(ctx, headers);
    const key = ctx.hashKey;
    const hash = key === undefined ? undefined : typeof key === 'bigint' ? key : xxhash64(key);
    const excluded = ctx.excludedPriorities;
    let host = this.prioritySet.pick(hash, 0, excluded);
    const attempted = ctx.attempted;
    if (host !== undefined && attempted !== undefined && attempted.has(host)) {
      const max = ctx.hostSelectionRetryMaxAttempts ?? DEFAULT_HOST_SELECTION_ATTEMPTS;
      for (let attempt = 1; attempt <= max; attempt++) {
        const next = this.prioritySet.pick(hash, attempt, excluded);
        if (next === undefined) break;
        host = next;
        if (!attempted.has(next)) break;
      }
    }
    return host;
  }

  private originalDstHost(ctx: PickContext, headers: UpstreamHttpRequest['headers'] | undefined): UpstreamHost | undefined {
    const headerName = this.config.originalDstHeader;
    const fromHeader = headerName !== undefined && headers !== undefined ? parseOriginalDstHeader(headers[headerName]) : undefined;
    const dst = fromHeader ?? ctx.originalDestination;
    if (dst === undefined) return undefined;
    const key = dst.address.includes(':') ? `[${dst.address}]:${dst.port}` : `${dst.address}:${dst.port}`;
    let host = this.hosts.get(key);
    if (host === undefined) {
      host = new UpstreamHost(dst.address, dst.port, undefined, {}, 0);
      this.hosts.set(key, host);
    }
    host.lastUsedMs = Date.now();
    return host;
  }

  /** ORIGINAL_DST hosts unused for the clean-up interval are dropped (Envoy's cleanup_interval). */
  private sweepOriginalDst(now: number): void {
    for (const [key, host] of this.hosts) {
      if (host.activeRequests === 0 && now - host.lastUsedMs >= ORIGINAL_DST_CLEANUP_MS) {
        this.hosts.delete(key);
        this.retire(host);
      }
    }
  }

  // ---------------------------------------------------------------- HTTP

  /** Send one HTTP request to a host of this cluster; see UpstreamManager.request. */
  request(req: UpstreamHttpRequest, ctx: PickContext): Promise<UpstreamHttpResponse> {
    const host = this.pick(ctx, req.headers);
    if (host === undefined) return Promise.reject(new UpstreamError('UH', 'no_healthy_upstream', `no healthy upstream in cluster ${this.config.name}`));
    const breaker = this.breaker;
    if (!breaker.canStartRequest()) return Promise.reject(new UpstreamError('UO', 'max_requests', `cluster ${this.config.name}: max requests reached`, { host }));
    if (!breaker.canQueuePending()) return Promise.reject(new UpstreamError('UO', 'max_pending_requests', `cluster ${this.config.name}: max pending requests reached`, { host }));
    const h2 = this.config.http2 || (this.config.useDownstreamProtocol && ctx.downstreamProtocol === 'h2');
    let pool: HttpPool;
    try {
      pool = this.poolFor(host, h2);
    } catch (err) {
      return Promise.reject(err instanceof UpstreamError ? err.onHost(host) : err);
    }
    const exchange = new UpstreamExchange(req, host, breaker, this.outlier);
    try {
      pool.dispatch({ method: req.method as 'GET', path: req.path, headers: toUpstreamHeaders(req.headers), body: req.body ?? null }, exchange);
    } catch (err) {
      exchange.fail(err as Error);
    }
    return exchange.promise;
  }

  private poolFor(host: UpstreamHost, h2: boolean): HttpPool {
    let p = this.pools.get(host);
    if (p === undefined) {
      p = { tls: this.tlsConfigFor(host), h1: undefined, h2: undefined };
      this.pools.set(host, p);
    }
    const existing = h2 ? p.h2 : p.h1;
    if (existing !== undefined) return existing;
    const tls = p.tls;
    const c = this.config;
    const maxStreams = c.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS;
    const pool = new HttpPool(h2 ? 'h2' : 'h1', {
      origin: `${tls !== undefined && !tls.istioMutual ? 'https' : 'http'}://${host.key}`,
      h2,
      maxConnections: Math.max(1, Math.min(c.circuitBreakers.maxConnections, 1 << 20)),
      maxConcurrentStreams: maxStreams,
      idleTimeoutMs: c.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      maxRequestsPerConnection: c.maxRequestsPerConnection,
      connect: (cb) => this.open(host, tls, h2 ? H2_ALPN : H1_ALPN, cb),
    });
    if (h2) p.h2 = pool;
    else p.h1 = pool;
    return pool;
  }

  /** Istio's auto-mTLS: the first transport socket match whose metadata the host carries wins. */
  private tlsConfigFor(host: UpstreamHost): UpstreamTlsConfig | undefined {
    for (const m of this.config.tlsMatches) {
      let all = true;
      for (const k in m.matchMetadata) {
        if (host.metadata[k] !== m.matchMetadata[k]) {
          all = false;
          break;
        }
      }
      if (all) return m.tls;
    }
    return this.config.tls;
  }

  // ---------------------------------------------------------------- connections

  /** Open one connection to `host`, with the cluster's breaker, timeout, TLS and outlier accounting. */
  private open(host: UpstreamHost, tlsConfig: UpstreamTlsConfig | undefined, defaultAlpn: readonly string[], cb: (err: UpstreamError | null, socket?: Socket) => void): void {
    if (!this.breaker.canOpenConnection()) {
      cb(new UpstreamError('UO', 'max_connections', `cluster ${this.config.name}: max connections reached`));
      return;
    }
    let tls;
    try {
      tls = tlsConfig === undefined ? undefined : this.tlsCache.resolve(tlsConfig, this.secrets(), defaultAlpn);
    } catch (err) {
      cb(err as UpstreamError);
      return;
    }
    const breaker = this.breaker;
    breaker.connections++;
    openConnection({ address: host.address, port: host.port, tls, connectTimeoutMs: this.config.connectTimeoutMs, tcpKeepalive: this.config.tcpKeepalive }, (err, socket) => {
      if (err !== null || socket === undefined) {
        breaker.connections--;
        this.outlier?.reportLocalFailure(host, 'connect_failed');
        cb(err);
        return;
      }
      socket.once('close', () => breaker.connections--);
      this.outlier?.reportLocalSuccess(host);
      cb(null, socket);
    });
  }

  /** Open a TCP (or TLS) connection for tcp_proxy; see UpstreamManager.connect. */
  connect(ctx: PickContext): Promise<UpstreamConnection> {
    const host = this.pick(ctx);
    if (host === undefined) return Promise.reject(new UpstreamError('UH', 'no_healthy_upstream', `no healthy upstream in cluster ${this.config.name}`));
    return new Promise((resolve, reject) => {
      host.activeRequests++;
      this.open(host, this.tlsConfigFor(host), NO_ALPN, (err, socket) => {
        if (err !== null || socket === undefined) {
          host.activeRequests--;
          reject((err ?? new UpstreamError('UF', 'connection_failure', 'no socket')).onHost(host));
          return;
        }
        socket.once('close', () => host.activeRequests--);
        resolve({ socket, endpoint: host });
      });
    });
  }

  // ---------------------------------------------------------------- hosts

  private prioritySetOptions() {
    const c = this.config;
    return {
      overprovisioningFactor: this.assignment?.overprovisioningFactor ?? 140,
      panicThreshold: c.healthyPanicThreshold ?? c.outlierDetection?.minHealthPercent ?? DEFAULT_PANIC_THRESHOLD,
      localityWeighted: c.localityWeightedLb === true,
    };
  }

  private configureOutlier(): void {
    const od = this.config.outlierDetection;
    if (od === undefined) {
      this.outlier?.stop();
      this.outlier = undefined;
      for (const h of this.hosts.values()) h.ejected = false;
      return;
    }
    if (this.outlier !== undefined) this.outlier.update(od);
    else this.outlier = new OutlierDetector(od, () => this.hosts.size, () => this.rebuildPrioritySet(), this.log, this.config.name);
  }

  private configureDns(): void {
    if (this.dnsTimer !== undefined) clearInterval(this.dnsTimer);
    this.dnsTimer = undefined;
    if (this.config.type !== 'STRICT_DNS' || this.closed) return;
    const first = this.refreshDns();
    if (this.dns.size === 0) {
      this.warming = first.finally(() => {
        this.warming = undefined;
      });
    }
    this.dnsTimer = setInterval(() => void this.refreshDns(), this.config.dnsRefreshRateMs ?? DEFAULT_DNS_REFRESH_MS);
    this.dnsTimer.unref();
  }

  /** Resolve every name of a STRICT_DNS cluster; a failed lookup keeps the previous answer (as Envoy). */
  private async refreshDns(): Promise<void> {
    const names = new Set<string>();
    for (const l of this.assignment?.localities ?? []) for (const e of l.endpoints) names.add(e.address.address);
    let changed = false;
    await Promise.all(
      [...names].map(async (name) => {
        try {
          const addrs = await resolveAll(name);
          if (!sameAddresses(this.dns.get(name), addrs)) {
            this.dns.set(name, addrs);
            changed = true;
            this.log.info({ cluster: this.config.name, name, addresses: addrs }, 'DNS answer changed');
          }
        } catch (err) {
          this.log.warn({ cluster: this.config.name, name, err: (err as Error).message }, 'DNS resolution failed');
        }
      }),
    );
    if (changed && !this.closed) this.rebuildHosts();
  }

  /** Recompute the host set from the assignment (and DNS answers), keeping existing hosts. */
  private rebuildHosts(): void {
    const type = this.config.type;
    if (type === 'ORIGINAL_DST') {
      this.rebuildPrioritySet();
      return;
    }
    const next = new Map<string, UpstreamHost>();
    const groups: LocalityGroup[] = [];
    const localities = this.assignment?.localities ?? [];
    const upsert = (address: string, port: number, e: Endpoint, l: (typeof localities)[number], list: UpstreamHost[]): void => {
      const key = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
      if (next.has(key)) return;
      let host = this.hosts.get(key);
      if (host === undefined) host = new UpstreamHost(address, port, e, l.locality, l.priority);
      else host.update(e, l.locality, l.priority);
      next.set(key, host);
      list.push(host);
    };
    for (const l of localities) {
      const list: UpstreamHost[] = [];
      for (const e of l.endpoints) {
        if (type === 'STRICT_DNS') {
          for (const a of this.dns.get(e.address.address) ?? []) upsert(a, e.address.port, e, l, list);
        } else {
          upsert(e.address.address, e.address.port, e, l, list);
        }
        // LOGICAL_DNS uses one endpoint, connected to by name (the OS resolves per connection).
        if (type === 'LOGICAL_DNS') break;
      }
      if (list.length > 0) groups.push({ priority: l.priority, weight: l.weight > 0 ? l.weight : 1, hosts: list });
      if (type === 'LOGICAL_DNS' && list.length > 0) break;
    }
    for (const [key, host] of this.hosts) if (!next.has(key)) this.retire(host);
    this.hosts = next;
    this.groups = groups;
    this.rebuildPrioritySet();
  }

  /** Rebuild balancers after a host-set or health change (including outlier ejections). */
  private rebuildPrioritySet(): void {
    this.prioritySet = new PrioritySet(this.groups, this.config, this.prioritySetOptions());
  }

  /** A host left the cluster: stop picking it, let its connections finish their requests. */
  private retire(host: UpstreamHost): void {
    host.live = false;
    this.outlier?.forget(host);
    const p = this.pools.get(host);
    if (p !== undefined) {
      this.pools.delete(host);
      this.drainPools(p);
    }
  }

  private drainPools(p: HostPools): Promise<void>[] {
    const out: Promise<void>[] = [];
    if (p.h1 !== undefined) out.push(p.h1.drain());
    if (p.h2 !== undefined) out.push(p.h2.drain());
    return out;
  }
}
