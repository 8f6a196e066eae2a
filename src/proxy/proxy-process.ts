import type { Logger } from 'pino';
import type { ProxySnapshot } from './config/model.js';
import { SnapshotHolder } from './config/snapshot-holder.js';
import type { BindAddressMapper } from './listener/bind-address.js';
import { ConnectionHandler } from './listener/connection-handler.js';
import { HealthListener } from './listener/health-listener.js';
import { ListenerManager } from './listener/listener-manager.js';
import { ListenerStats } from './listener/listener-stats.js';
import type { HttpConnectionManagerFactory, NetworkRbacCheck } from './listener/network-filter-chain.js';
import type { OriginalDestinationLookup } from './listener/original-destination.js';
import { TcpProxy, type TcpUpstreamConnector } from './tcp/tcp-proxy.js';
import { LocalSecretStore, type WorkloadCertificateSource } from './tls/local-secret-store.js';
import { TlsTerminator } from './tls/tls-terminator.js';
import { UpstreamManager } from './upstream/upstream-manager.js';
import { HttpConnectionManager } from './http/connection-manager.js';
import { createNetworkRbacCheck } from './filters/rbac/network-filter.js';
import { EnvoyNamedCounters } from '../telemetry/envoy-named-counters.js';
import { XdsClient, type XdsClientOptions } from './xds-client/index.js';
import type { MetricSource } from '../telemetry/prometheus-text.js';
import { ProxyStats } from '../telemetry/proxy-stats.js';
import type { ServerState } from '../telemetry/server-metrics.js';
import { localWorkloadLabels, type LocalWorkloadFacts } from '../telemetry/workload-labels.js';
import type { RequestRecord } from './http/request-record.js';
import { AdminServer } from './admin/admin-server.js';
import { boundPorts, startStatsServers, type ProxyPorts, type StatsServers } from './admin/stats-servers.js';
import type { AppMetricsTarget } from './admin/app-metrics.js';
import type { AdminBootstrapInfo, AdminMetricSource } from './admin/admin-sources.js';
import { upstreamFactsFromProxy } from './admin/upstream-facts-from-proxy.js';
import { nodeId, nodeMetadata } from './xds-client/node-identity.js';

/** What an HTTP connection manager factory gets to work with. */
export interface ProxyDependencies {
  readonly holder: SnapshotHolder;
  readonly upstream: UpstreamManager;
  readonly logger: Logger;
  /** The per-request stats hook (ProxyStats.onRequestComplete); every HCM should call it. */
  readonly onRequestComplete?: (record: RequestRecord) => void;
  /** Envoy-named filter stats (RBAC, ...), scraped with the proxy's metrics. */
  readonly envoyStats?: EnvoyNamedCounters;
}

/** One HttpConnectionManager per `http_connection_manager` config, sending through the UpstreamManager. */
export function defaultHttpConnectionManager(deps: ProxyDependencies): HttpConnectionManagerFactory {
  return (config) => new HttpConnectionManager(config, {
    snapshots: deps.holder,
    upstream: deps.upstream,
    logger: deps.logger,
    ...(deps.onRequestComplete ? { onRequestComplete: deps.onRequestComplete } : {}),
    ...(deps.envoyStats ? { envoyStats: deps.envoyStats } : {}),
  });
}

/** The admin API (15000) of a proxy process. */
export interface ProxyAdminOptions {
  /** Loopback by default: the admin API can stop the proxy. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Who may call the admin's POSTs (see AdminServerOptions.mutations); default `owner`. */
  readonly mutations?: 'owner' | 'anyone';
}

/** The scrape ports: 15090 (Envoy-style stats) and 15020 (merged metrics and agent health). */
export interface ProxyStatsServerOptions {
  /** Default 0.0.0.0, so Prometheus can scrape the pod. */
  readonly host?: string;
  readonly prometheusPort: number | false;
  readonly agentPort: number | false;
  /** The application's metrics, merged on 15020 (Istio's metrics merging). */
  readonly appMetrics?: AppMetricsTarget;
  /** The agent's own metrics, merged on 15020 after the proxy's. */
  readonly agentMetrics?: MetricSource;
}

/** Everything `plexus proxy` (or a test) decides about one proxy. */
export interface ProxyProcessOptions {
  readonly logger: Logger;
  /** Where to get config: the controller's ADS. Absent: only `staticSnapshot` (tests, `--config-file`). */
  readonly xds?: Omit<XdsClientOptions, 'holder' | 'localSecrets' | 'logger'>;
  /** A snapshot served from the start (used when there is no xDS, or until the first push). */
  readonly staticSnapshot?: ProxySnapshot;
  /** The agent's workload certificate, served as the local secrets `default` and `ROOTCA`. */
  readonly certificates?: WorkloadCertificateSource;
  /** Replaces the UpstreamManager for tcp_proxy (tests). */
  readonly tcpUpstream?: TcpUpstreamConnector;
  /** Builds the HTTP connection managers (default: src/proxy/http's HttpConnectionManager on the UpstreamManager). */
  readonly httpConnectionManager?: (deps: ProxyDependencies) => HttpConnectionManagerFactory;
  /** Replaces the network RBAC check (default: Envoy's RBAC engine, src/proxy/rbac). */
  readonly networkRbac?: NetworkRbacCheck;
  readonly bindAddress?: BindAddressMapper;
  readonly originalDestination?: OriginalDestinationLookup;
  readonly detectionTimeoutMs?: number;
  readonly handshakeTimeoutMs?: number;
  readonly listenerDrainMs?: number;
  /** Readiness endpoint (15021); `false` disables it. */
  readonly health?: { readonly host: string; readonly port: number } | false;
  /** Feed snapshots from elsewhere (node:cluster workers get them from the primary over IPC). */
  readonly holder?: SnapshotHolder;
  /** Admin API (15000); absent or false: not opened. */
  readonly admin?: ProxyAdminOptions | false;
  /** Prometheus ports (15090, 15020); absent or false: not opened. */
  readonly statsServers?: ProxyStatsServerOptions | false;
  /** This proxy's own workload, for the Istio metric labels (default: from the xDS node). */
  readonly workload?: LocalWorkloadFacts;
}

/** The `node` block of `/config_dump` and `/server_info`, from the xDS node (undefined without xDS). */
export function adminBootstrapInfo(xds: ProxyProcessOptions['xds']): AdminBootstrapInfo | undefined {
  const node = xds?.node;
  if (!node) return undefined;
  return { node: { id: nodeId(node), cluster: `${node.workloadName ?? node.podName}.${node.namespace}`, metadata: nodeMetadata(node) }, xdsServer: xds.address };
}

/**
 * Opens the scrape ports (15090, 15020) on `metrics`. 15021 stays off: the HealthListener owns
 * it, with or without the admin module.
 */
export function startProxyStatsServers(o: ProxyStatsServerOptions, metrics: AdminMetricSource, ready: () => boolean, logger: Logger): Promise<StatsServers> {
  return startStatsServers({
    metrics,
    ready,
    host: o.host ?? '0.0.0.0',
    prometheusPort: o.prometheusPort,
    agentPort: o.agentPort,
    readinessPort: false,
    ...(o.appMetrics ? { appMetrics: o.appMetrics } : {}),
    ...(o.agentMetrics ? { agentMetrics: o.agentMetrics } : {}),
    logger: logger.child({ component: 'stats' }),
  });
}

/**
 * The admin server's view of a running proxy (the admin API on 15000 — /config_dump, /stats,
 * /ready, /drain_listeners, /quitquitquit — is built on this seam by its own module).
 */
export interface ProxyAdminSeam {
  readonly holder: SnapshotHolder;
  readonly metrics: MetricSource;
  ready(): boolean;
  drainListeners(): Promise<void>;
  quit(): void;
}

/**
 * The whole data plane of one sidecar or gateway process: xds-client → SnapshotHolder →
 * listeners (filter chains, TLS, tcp_proxy, HTTP) and upstream clusters, with the agent's
 * certificate as local secrets, readiness, and a graceful drain.
 */
export class ProxyProcess {
  readonly holder: SnapshotHolder;
  readonly stats = new ListenerStats();
  /** Stats of filters named from config (`http.<prefix>.rbac.allowed`, `tcp.rbac.denied`). */
  readonly envoyStats = new EnvoyNamedCounters();
  readonly localSecrets = new LocalSecretStore();
  readonly listeners: ListenerManager;
  readonly upstream: UpstreamManager;
  readonly xds: XdsClient | undefined;
  /** Istio's standard metrics, Envoy's cluster/HTTP/server stats and the listener stats. */
  readonly metrics: ProxyStats;
  private admin: AdminServer | undefined;
  private scrape: StatsServers | undefined;
  private readonly handler: ConnectionHandler;
  private readonly health: HealthListener;
  private readonly drainController = new AbortController();
  private readonly log: Logger;
  private unfollowCerts: (() => void) | undefined;
  private isReady = false;
  private draining = false;
  private readyWaiters: (() => void)[] = [];
  private healthPort: number | undefined;
  /** Set by `quit()` for whoever owns the process (the CLI exits on it). */
  onQuit: (() => void) | undefined;

  constructor(private readonly opts: ProxyProcessOptions) {
    this.log = opts.logger;
    this.holder = opts.holder ?? new SnapshotHolder();
    if (opts.staticSnapshot) this.holder.replace(opts.staticSnapshot);
    this.upstream = new UpstreamManager(this.holder, { logger: this.log.child({ component: 'upstream' }) });
    const node = opts.xds?.node;
    const workload: LocalWorkloadFacts = opts.workload ?? (node
      ? { namespace: node.namespace, podName: node.podName, ...(node.workloadName ? { workloadName: node.workloadName } : {}), ...(node.labels ? { labels: node.labels } : {}), ...(node.serviceAccount ? { serviceAccount: node.serviceAccount } : {}), ...(node.clusterId ? { clusterId: node.clusterId } : {}) }
      : { namespace: 'default' });
    this.metrics = new ProxyStats({
      local: localWorkloadLabels(workload),
      upstream: upstreamFactsFromProxy(this.holder, this.upstream),
      state: () => this.state(),
      sources: [this.stats, this.envoyStats],
    });
    // Cluster facts (service names, SANs) are cached per cluster; a new snapshot may change them.
    this.holder.on('update', () => this.metrics.invalidate());
    const tcpProxy = new TcpProxy({
      upstream: opts.tcpUpstream ?? this.upstream,
      stats: this.stats,
      logger: this.log.child({ component: 'tcp_proxy' }),
      metrics: (facts) => this.metrics.tcpConnection(facts),
    });
    const tls = new TlsTerminator({ logger: this.log.child({ component: 'tls' }), ...(opts.handshakeTimeoutMs ? { handshakeTimeoutMs: opts.handshakeTimeoutMs } : {}) });
    const deps: ProxyDependencies = { holder: this.holder, upstream: this.upstream, logger: this.log.child({ component: 'http' }), onRequestComplete: this.metrics.onRequestComplete, envoyStats: this.envoyStats };
    const hcm = (opts.httpConnectionManager ?? defaultHttpConnectionManager)(deps);
    this.handler = new ConnectionHandler({
      tcpProxy,
      tls,
      stats: this.stats,
      logger: this.log.child({ component: 'listener' }),
      localSecrets: this.localSecrets.lookup,
      drainSignal: this.drainController.signal,
      currentSnapshot: () => this.holder.current,
      httpConnectionManager: hcm,
      networkRbac: opts.networkRbac ?? createNetworkRbacCheck({ stats: this.envoyStats, logger: this.log.child({ component: 'rbac' }) }),
      ...(opts.detectionTimeoutMs !== undefined ? { detectionTimeoutMs: opts.detectionTimeoutMs } : {}),
    });
    this.listeners = new ListenerManager({
      holder: this.holder,
      handler: this.handler,
      stats: this.stats,
      logger: this.log.child({ component: 'listener-manager' }),
      ...(opts.bindAddress ? { bindAddress: opts.bindAddress } : {}),
      ...(opts.originalDestination ? { originalDestination: opts.originalDestination } : {}),
      ...(opts.listenerDrainMs !== undefined ? { listenerDrainMs: opts.listenerDrainMs } : {}),
    });
    this.listeners.on('applied', (snapshot) => {
      if (!this.isReady && snapshot.listeners.size > 0) {
        this.isReady = true;
        this.log.info({ listeners: this.listeners.listenerNames }, 'proxy ready: first configuration with listeners served');
        for (const w of this.readyWaiters.splice(0)) w();
      }
    });
    this.xds = opts.xds ? new XdsClient({ ...opts.xds, holder: this.holder, localSecrets: this.localSecrets, logger: this.log.child({ component: 'xds' }) }) : undefined;
    this.health = new HealthListener(() => this.ready(), this.log.child({ component: 'health' }));
  }

  /** Starts following the agent's certificate, binds listeners, and connects to the controller. */
  async start(): Promise<void> {
    if (this.opts.certificates) this.unfollowCerts = this.localSecrets.follow(this.opts.certificates);
    await this.listeners.start();
    const health = this.opts.health ?? false;
    if (health) this.healthPort = await this.health.start(health.host, health.port);
    if (this.opts.admin) await this.startAdmin(this.opts.admin);
    if (this.opts.statsServers) this.scrape = await startProxyStatsServers(this.opts.statsServers, this.metrics, () => this.ready(), this.log);
    this.xds?.start();
  }

  private async startAdmin(o: ProxyAdminOptions): Promise<void> {
    const bootstrap = adminBootstrapInfo(this.opts.xds);
    this.admin = new AdminServer({
      host: o.host ?? '127.0.0.1',
      port: o.port,
      ...(o.mutations ? { mutations: o.mutations } : {}),
      logger: this.log.child({ component: 'admin' }),
      sources: {
        ...this.adminSeam(),
        state: () => this.state(),
        ...(this.xds ? { xds: this.xds } : {}),
        upstream: this.upstream,
        hostCounters: (cluster: string) => this.metrics.envoy.hostCounters(cluster),
        localSecrets: this.localSecrets,
        logger: this.log,
        ...(bootstrap ? { bootstrap } : {}),
      },
    });
    await this.admin.start();
  }

  /** Envoy's server state: PRE_INITIALIZING until the first listeners, DRAINING once draining. */
  state(): ServerState {
    if (this.draining) return 'DRAINING';
    return this.isReady ? 'LIVE' : 'PRE_INITIALIZING';
  }

  /** Bound ports of the admin and scrape servers (0 or undefined: not opened). */
  get ports(): ProxyPorts {
    return boundPorts(this.admin, this.scrape, this.healthPort);
  }

  /** True once the first snapshot with listeners is served, and until draining starts. */
  ready(): boolean {
    return this.isReady && !this.draining;
  }

  /** Resolves when the proxy first becomes ready. */
  whenReady(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise((r) => this.readyWaiters.push(r));
  }

  /** The port the readiness endpoint is bound to, if any. */
  get readinessPort(): number | undefined {
    return this.healthPort;
  }

  /**
   * Graceful shutdown (SIGTERM): stop accepting, ask HTTP to wind down, let in-flight
   * connections finish for up to `timeoutMs`, then close the rest. Resolves true when nothing
   * had to be cut.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    this.log.info({ timeoutMs, connections: this.listeners.activeConnections }, 'draining');
    await this.listeners.stopAccepting();
    this.handler.drainHttp();
    const timer = setTimeout(() => this.drainController.abort(), timeoutMs);
    const clean = await this.listeners.drain(timeoutMs);
    clearTimeout(timer);
    await this.stop();
    return clean;
  }

  /** Stops everything at once. */
  async stop(): Promise<void> {
    this.draining = true;
    this.unfollowCerts?.();
    this.xds?.close();
    await this.listeners.close();
    await this.handler.closeHttp();
    await this.health.stop();
    await this.admin?.close();
    this.admin = undefined;
    await this.scrape?.close();
    this.scrape = undefined;
    await this.upstream.close();
  }

  /** The seam the admin server (15000) is built on. */
  adminSeam(): ProxyAdminSeam {
    return {
      holder: this.holder,
      metrics: this.metrics,
      ready: () => this.ready(),
      drainListeners: () => this.listeners.stopAccepting(),
      quit: () => this.onQuit?.(),
    };
  }
}
