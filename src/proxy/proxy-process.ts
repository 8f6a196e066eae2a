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
import { XdsClient, type XdsClientOptions } from './xds-client/index.js';
import type { MetricSource } from '../telemetry/prometheus-text.js';

/** What an HTTP connection manager factory gets to work with. */
export interface ProxyDependencies {
  readonly holder: SnapshotHolder;
  readonly upstream: UpstreamManager;
  readonly logger: Logger;
}

/** One HttpConnectionManager per `http_connection_manager` config, sending through the UpstreamManager. */
export function defaultHttpConnectionManager(deps: ProxyDependencies): HttpConnectionManagerFactory {
  return (config) => new HttpConnectionManager(config, { snapshots: deps.holder, upstream: deps.upstream, logger: deps.logger });
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
  readonly localSecrets = new LocalSecretStore();
  readonly listeners: ListenerManager;
  readonly upstream: UpstreamManager;
  readonly xds: XdsClient | undefined;
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
    const tcpProxy = new TcpProxy({ upstream: opts.tcpUpstream ?? this.upstream, stats: this.stats, logger: this.log.child({ component: 'tcp_proxy' }) });
    const tls = new TlsTerminator({ logger: this.log.child({ component: 'tls' }), ...(opts.handshakeTimeoutMs ? { handshakeTimeoutMs: opts.handshakeTimeoutMs } : {}) });
    const deps: ProxyDependencies = { holder: this.holder, upstream: this.upstream, logger: this.log.child({ component: 'http' }) };
    const hcm = (opts.httpConnectionManager ?? defaultHttpConnectionManager)(deps);
    this.handler = new ConnectionHandler({
      tcpProxy,
      tls,
      stats: this.stats,
      logger: this.log.child({ component: 'listener' }),
      localSecrets: this.localSecrets.lookup,
      drainSignal: this.drainController.signal,
      httpConnectionManager: hcm,
      ...(opts.networkRbac ? { networkRbac: opts.networkRbac } : {}),
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
    this.xds?.start();
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
    await this.upstream.close();
  }

  /** The seam the admin server (15000) is built on. */
  adminSeam(): ProxyAdminSeam {
    return {
      holder: this.holder,
      metrics: this.stats,
      ready: () => this.ready(),
      drainListeners: () => this.listeners.stopAccepting(),
      quit: () => this.onQuit?.(),
    };
  }
}
