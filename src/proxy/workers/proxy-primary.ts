import type { Logger, LevelChangeEventListener } from 'pino';
import type { ProxySnapshot } from '../config/model.js';
import { SnapshotHolder } from '../config/snapshot-holder.js';
import { HealthListener } from '../listener/health-listener.js';
import { LocalSecretStore, type WorkloadCertificateSource } from '../tls/local-secret-store.js';
import { XdsClient, type XdsClientOptions } from '../xds-client/index.js';
import { AdminServer } from '../admin/admin-server.js';
import { boundPorts, type ProxyPorts, type StatsServers } from '../admin/stats-servers.js';
import { adminBootstrapInfo, startProxyStatsServers, type ProxyAdminOptions, type ProxyStatsServerOptions } from '../proxy-process.js';
import type { MetricFamily, MetricSource } from '../../telemetry/prometheus-text.js';
import { ProcessMetrics } from '../../telemetry/process-metrics.js';
import { ServerMetrics, type ServerState } from '../../telemetry/server-metrics.js';
import { mergeClusterStates } from './cluster-views.js';
import { WorkerMetrics } from './worker-metrics.js';
import { WorkerPool, type RestartPolicy, type WorkerStatus } from './worker-pool.js';

/** Options of {@link ProxyPrimary}: ProxyProcess's, for a proxy whose data plane runs in workers. */
export interface ProxyPrimaryOptions {
  /** Worker processes (node:cluster); they bind the listeners, which node:cluster shares. */
  readonly concurrency: number;
  readonly logger: Logger;
  readonly xds?: Omit<XdsClientOptions, 'holder' | 'localSecrets' | 'logger'>;
  readonly staticSnapshot?: ProxySnapshot;
  readonly certificates?: WorkloadCertificateSource;
  readonly health?: { readonly host: string; readonly port: number } | false;
  readonly admin?: ProxyAdminOptions | false;
  readonly statsServers?: ProxyStatsServerOptions | false;
  readonly restart?: RestartPolicy;
  /** How long the admin and scrape ports wait for a worker's answer (default 2 s). */
  readonly workerTimeoutMs?: number;
}

/** Why the primary asks its owner to stop. */
export type PrimaryQuitReason = 'quitquitquit' | 'crash-loop';

/**
 * The primary of `plexus proxy --concurrency N`. It holds the one ADS stream and the one
 * workload certificate of the proxy and sends each snapshot to its workers; it answers the
 * admin API (15000), the scrape ports (15090, 15020) and readiness (15021) for the whole proxy:
 * config views from its own snapshot, statistics summed over the workers at each scrape, and
 * actions (drain listeners, log level) forwarded to every worker.
 */
export class ProxyPrimary {
  readonly holder = new SnapshotHolder();
  readonly localSecrets = new LocalSecretStore();
  readonly xds: XdsClient | undefined;
  readonly pool: WorkerPool;
  /** The proxy-wide statistics (what /stats and 15090 serve). */
  readonly metrics: WorkerMetrics;
  /** Set by the owner: the admin API asked to quit, or a worker is crash-looping. */
  onQuit: ((reason: PrimaryQuitReason) => void) | undefined;
  private readonly log: Logger;
  private readonly health: HealthListener;
  private admin: AdminServer | undefined;
  private scrape: StatsServers | undefined;
  private healthPort: number | undefined;
  private unfollowCerts: (() => void) | undefined;
  private draining = false;
  /** `/drain_listeners` was called: a replacement worker drains its listeners too. */
  private listenersDrained = false;
  private readonly forwardLevel: LevelChangeEventListener;

  constructor(private readonly opts: ProxyPrimaryOptions) {
    this.log = opts.logger;
    if (opts.staticSnapshot) this.holder.replace(opts.staticSnapshot);
    this.xds = opts.xds ? new XdsClient({ ...opts.xds, holder: this.holder, localSecrets: this.localSecrets, logger: this.log.child({ component: 'xds' }) }) : undefined;
    this.pool = new WorkerPool({
      size: opts.concurrency,
      logger: this.log.child({ component: 'workers' }),
      ...(opts.restart ? { restart: opts.restart } : {}),
      ...(opts.workerTimeoutMs !== undefined ? { requestTimeoutMs: opts.workerTimeoutMs } : {}),
    });
    this.pool.on('hello', (slot) => {
      this.pool.send(slot, { kind: 'snapshot', snapshot: this.holder.current });
      this.pool.send(slot, { kind: 'log-level', level: this.log.level });
    });
    this.pool.on('ready', (slot) => {
      if (!this.listenersDrained) return;
      this.pool.ask(slot, 'drain-listeners').catch((err: unknown) => this.log.warn({ slot, err: (err as Error).message }, 'replacement worker did not drain its listeners'));
    });
    this.pool.on('exit', (workerId) => this.metrics.retire(workerId));
    this.pool.on('crash-loop', () => this.onQuit?.('crash-loop'));
    this.holder.on('update', (snapshot) => this.pool.broadcast({ kind: 'snapshot', snapshot }));
    this.metrics = new WorkerMetrics({
      primary: this.ownMetrics(),
      gather: async () => (await this.pool.askAll('metrics')).map((a) => ({ slot: a.slot, workerId: a.workerId, families: a.value })),
    });
    // `/logging?level=` changes the primary's root logger; the workers follow.
    this.forwardLevel = (level, _value, _previous, _previousValue, logger) => {
      if (logger === this.log) this.pool.broadcast({ kind: 'log-level', level });
    };
    this.log.on('level-change', this.forwardLevel);
    this.health = new HealthListener(() => this.ready(), this.log.child({ component: 'health' }));
  }

  /** Forks the workers, opens readiness, admin and scrape ports, and connects to the controller. */
  async start(): Promise<void> {
    if (this.opts.certificates) this.unfollowCerts = this.localSecrets.follow(this.opts.certificates);
    this.pool.start();
    const health = this.opts.health ?? false;
    if (health) this.healthPort = await this.health.start(health.host, health.port);
    if (this.opts.admin) await this.startAdmin(this.opts.admin);
    if (this.opts.statsServers) this.scrape = await startProxyStatsServers(this.opts.statsServers, this.metrics, () => this.ready(), this.log);
    this.xds?.start();
  }

  /** LIVE while every worker serves its configuration; PRE_INITIALIZING while one starts (or is replaced). */
  state(): ServerState {
    if (this.draining) return 'DRAINING';
    return this.pool.allReady() ? 'LIVE' : 'PRE_INITIALIZING';
  }

  ready(): boolean {
    return this.state() === 'LIVE';
  }

  /** The workers: slot, pid, readiness and restarts. */
  workers(): WorkerStatus[] {
    return this.pool.status();
  }

  /** Bound ports of the admin, scrape and readiness servers. */
  get ports(): ProxyPorts {
    return boundPorts(this.admin, this.scrape, this.healthPort);
  }

  /**
   * Graceful shutdown: readiness fails at once, every worker gets SIGTERM and drains for up to
   * its own --drain-timeout; after `timeoutMs` the rest are killed. Resolves true when every
   * worker exited with status 0.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    this.log.info({ timeoutMs, workers: this.pool.status().filter((w) => w.pid !== undefined).length }, 'draining workers');
    const clean = await this.pool.stop(timeoutMs);
    await this.stop();
    return clean;
  }

  /** Closes the primary's own servers and streams (the workers are `drain`'s). */
  async stop(): Promise<void> {
    this.draining = true;
    this.log.off('level-change', this.forwardLevel);
    this.unfollowCerts?.();
    this.xds?.close();
    await this.health.stop();
    await this.admin?.close();
    this.admin = undefined;
    await this.scrape?.close();
    this.scrape = undefined;
  }

  private async startAdmin(o: ProxyAdminOptions): Promise<void> {
    const bootstrap = adminBootstrapInfo(this.opts.xds);
    this.admin = new AdminServer({
      host: o.host ?? '127.0.0.1',
      port: o.port,
      ...(o.mutations ? { mutations: o.mutations } : {}),
      logger: this.log.child({ component: 'admin' }),
      concurrency: this.opts.concurrency,
      sources: {
        holder: this.holder,
        metrics: this.metrics,
        ready: () => this.ready(),
        state: () => this.state(),
        drainListeners: async () => {
          this.listenersDrained = true;
          const answers = await this.pool.askAll('drain-listeners');
          this.log.info({ workers: answers.map((a) => a.slot) }, 'workers stopped accepting');
        },
        quit: () => this.onQuit?.('quitquitquit'),
        clusterViews: async () => mergeClusterStates((await this.pool.askAll('clusters')).map((a) => a.value)),
        ...(this.xds ? { xds: this.xds } : {}),
        localSecrets: this.localSecrets,
        logger: this.log,
        ...(bootstrap ? { bootstrap } : {}),
      },
    });
    await this.admin.start();
  }

  /** The primary's own families: server state of the whole proxy, its configured concurrency, the process. */
  private ownMetrics(): MetricSource {
    const server = new ServerMetrics(() => this.state());
    const proc = new ProcessMetrics();
    const concurrency = this.opts.concurrency;
    return {
      collect: (): MetricFamily[] => [
        ...server.collect().map((f) => (f.name === 'envoy_server_concurrency' ? { ...f, samples: [{ value: concurrency }] } : f)),
        ...proc.collect(),
      ],
    };
  }
}
