import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { renderEnvoyStatsText } from '../../telemetry/envoy-stats-text.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheusText } from '../../telemetry/prometheus-text.js';
import { RESOURCE_TYPE } from './admin-type-urls.js';
import { serverStateOf, type AdminClusterViews, type AdminSources } from './admin-sources.js';
import { renderClustersJson, renderClustersText, type ClustersInputs } from './clusters-text.js';
import { buildConfigDump, filterDumpByName, selectDumpResource } from './config-dump.js';
import { listenHttp, reply, requestUrl, type RunningHttpServer } from './listen-http.js';
import { connectingUid } from './socket-owner.js';

/** Istio's (and Envoy's) admin port. */
export const DEFAULT_ADMIN_PORT = 15000;

/** Options of {@link startAdmin}. */
export interface AdminServerOptions {
  readonly sources: AdminSources;
  /** Loopback by default: the admin API can stop the proxy. */
  readonly host?: string;
  /** Default 15000; 0 picks a free port. */
  readonly port?: number;
  readonly logger?: Logger;
  /** Reported by `/server_info`. */
  readonly version?: string;
  /** Worker processes behind this admin API (`--concurrency`), reported by `/server_info`; default 1. */
  readonly concurrency?: number;
  /**
   * Who may call the endpoints that change the proxy (every POST: `/quitquitquit`,
   * `/drain_listeners`, `/logging?level=`, `/healthcheck/*`). `owner` (default): a connection
   * from this machine must belong to the proxy's own user or root — in explicit mode every
   * local user shares loopback, and Envoy's admin has no authentication. `anyone`: Envoy's
   * behaviour. Read-only endpoints are open either way.
   */
  readonly mutations?: 'owner' | 'anyone';
}

const TEXT = 'text/plain; charset=UTF-8';
const JSON_TYPE = 'application/json';
const PINO_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
/** Envoy's level names that pino spells differently. */
const LEVEL_ALIASES: Readonly<Record<string, string>> = { warning: 'warn', critical: 'fatal', off: 'silent' };

/** Endpoints and their one-line help, as Envoy's `/help` lists them. */
const HELP: readonly (readonly [string, string])[] = [
  ['/clusters', 'upstream cluster status (?format=json)'],
  ['/config_dump', 'current configuration (?resource=, ?name_regex=, ?include_eds)'],
  ['/drain_listeners', 'POST: stop accepting new connections'],
  ['/help', 'this list'],
  ['/listeners', 'listener names and addresses (?format=json)'],
  ['/logging', 'log level (POST ?level=debug)'],
  ['/memory', 'heap usage'],
  ['/quitquitquit', 'POST: drain and exit'],
  ['/ready', 'LIVE when serving configuration'],
  ['/server_info', 'server version, state and node'],
  ['/stats', 'statistics (?filter=, ?usedonly, ?format=json|prometheus)'],
  ['/stats/prometheus', 'statistics in Prometheus text format'],
];

/** Endpoints that change the proxy, which Envoy accepts only as POST. */
const MUTATING = new Set(['/drain_listeners', '/quitquitquit', '/healthcheck/fail', '/healthcheck/ok']);

function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');
}

function compileRegex(source: string | null, res: ServerResponse): RegExp | undefined | null {
  if (source === null || source === '') return undefined;
  try {
    return new RegExp(source);
  } catch {
    reply(res, 400, TEXT, `invalid regex: ${source}\n`);
    return null;
  }
}

/**
 * The proxy's admin API (15000), answering like Envoy's so `istioctl`-style tools and habits
 * carry over: `/config_dump`, `/clusters`, `/stats`, `/stats/prometheus`, `/ready`, `/logging`,
 * `/drain_listeners`, `/quitquitquit`, `/server_info`, `/listeners`, `/memory`.
 */
export class AdminServer {
  private readonly sources: AdminSources;
  private readonly log: Logger;
  private readonly startedAtMs = Date.now();
  private readonly startedAt = new Date(this.startedAtMs).toISOString();
  private running: RunningHttpServer | undefined;
  private quitting = false;

  constructor(private readonly opts: AdminServerOptions) {
    this.sources = opts.sources;
    this.log = opts.logger ?? opts.sources.logger?.child({ component: 'admin' }) ?? pino({ name: 'plexus-admin' }, pino.destination(2));
  }

  /** Binds and resolves the bound port. */
  async start(): Promise<number> {
    const host = this.opts.host ?? '127.0.0.1';
    this.running = await listenHttp(host, this.opts.port ?? DEFAULT_ADMIN_PORT, (req, res) => this.handle(req, res), (err) => this.log.error({ err }, 'admin request failed'));
    this.log.info({ host, port: this.running.port }, 'admin listening');
    return this.running.port;
  }

  get port(): number | undefined {
    return this.running?.port;
  }

  async close(): Promise<void> {
    const r = this.running;
    this.running = undefined;
    await r?.close();
  }

  /** Routes one request; exposed for tests and for embedding in another server. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (MUTATING.has(path) && method !== 'POST') {
      reply(res, 405, TEXT, 'This endpoint requires POST.\n');
      return;
    }
    if (!MUTATING.has(path) && method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
      reply(res, 405, TEXT, 'method not allowed\n');
      return;
    }
    if (method === 'POST' && !(await this.mayMutate(req, res, path))) return;
    const q = url.searchParams;
    switch (path) {
      case '/':
      case '/help':
        reply(res, 200, TEXT, `admin commands are:\n${HELP.map(([p, h]) => `  ${p}: ${h}`).join('\n')}\n`);
        return;
      case '/config_dump':
        return this.configDump(q, res);
      case '/clusters': {
        const inputs = await this.clustersInputs();
        if (q.get('format') === 'json') reply(res, 200, JSON_TYPE, `${JSON.stringify(renderClustersJson(inputs), null, 2)}\n`);
        else reply(res, 200, TEXT, renderClustersText(inputs));
        return;
      }
      case '/stats':
        return this.stats(q, res);
      case '/stats/prometheus':
        reply(res, 200, PROMETHEUS_CONTENT_TYPE, renderPrometheusText(await this.sources.metrics.collect()));
        return;
      case '/ready': {
        const state = serverStateOf(this.sources);
        reply(res, state === 'LIVE' ? 200 : 503, TEXT, `${state}\n`);
        return;
      }
      case '/server_info':
        reply(res, 200, JSON_TYPE, `${JSON.stringify(this.serverInfo(), null, 2)}\n`);
        return;
      case '/listeners':
        return this.listeners(q, res);
      case '/memory': {
        const m = process.memoryUsage();
        reply(res, 200, JSON_TYPE, `${JSON.stringify({ allocated: String(m.heapUsed), heap_size: String(m.heapTotal), resident: String(m.rss), external: String(m.external) }, null, 2)}\n`);
        return;
      }
      case '/logging':
        return this.logging(method, q, res);
      case '/drain_listeners':
        await this.sources.drainListeners();
        this.log.info('listeners drained through the admin API');
        reply(res, 200, TEXT, 'OK\n');
        return;
      case '/quitquitquit':
        reply(res, 200, TEXT, 'OK\n');
        if (!this.quitting) {
          this.quitting = true;
          this.log.info('quit requested through the admin API');
          // After the answer is flushed: the owner drains, closes this server and exits.
          res.once('finish', () => setImmediate(() => {
            Promise.resolve(this.sources.quit()).catch((err: unknown) => this.log.error({ err }, 'quit failed'));
          }));
        }
        return;
      default:
        reply(res, 404, TEXT, `invalid path: ${path}\n`);
    }
  }

  /**
   * Whether the connection may change the proxy: its client socket, looked up in this network
   * namespace's TCP tables, must belong to our uid or root. A client found in no table came from
   * another host, which can reach us only when the admin was bound beyond loopback on purpose.
   * Answers 403 when not.
   */
  private async mayMutate(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if ((this.opts.mutations ?? 'owner') === 'anyone') return true;
    const s = req.socket;
    const peer = { address: s.remoteAddress ?? '', port: s.remotePort ?? 0 };
    const uid = await connectingUid({ address: s.localAddress ?? '', port: s.localPort ?? 0 }, peer);
    const self = process.geteuid?.() ?? -1;
    if (uid === 0 || uid === self) return true;
    if (uid === undefined && !isLoopback(peer.address)) return true;
    const who = uid === undefined ? 'a connection whose owner cannot be determined (no /proc/net/tcp)' : `uid ${uid}`;
    this.log.warn({ path, peer: `${peer.address}:${peer.port}`, uid, proxyUid: self }, 'refused a mutating admin request from another user');
    reply(res, 403, TEXT, `forbidden: ${path} changes the proxy; only its own user (uid ${self}) or root may call it, not ${who}\n`);
    return false;
  }

  private configDump(q: URLSearchParams, res: ServerResponse): void {
    const nameRegex = compileRegex(q.get('name_regex'), res);
    if (nameRegex === null) return;
    let dump = buildConfigDump({
      snapshot: this.sources.holder.current,
      ...(this.sources.xds ? { resources: this.sources.xds.resources() } : {}),
      ...(this.sources.localSecrets ? { localSecrets: this.sources.localSecrets } : {}),
      ...(this.sources.bootstrap ? { bootstrap: this.sources.bootstrap } : {}),
      startedAt: this.startedAt,
      // Envoy adds EDS with include_eds; `?resource=dynamic_endpoint_configs` implies it.
      includeEds: q.has('include_eds') || (q.get('resource') ?? '').includes('endpoint'),
    });
    const resource = q.get('resource');
    if (resource) {
      const selected = selectDumpResource(dump, resource, nameRegex);
      if (!selected) {
        reply(res, 404, TEXT, `unknown resource ${resource}\n`);
        return;
      }
      dump = selected;
    } else if (nameRegex) dump = filterDumpByName(dump, nameRegex);
    reply(res, 200, JSON_TYPE, `${JSON.stringify(dump, null, 2)}\n`);
  }

  private async clustersInputs(): Promise<ClustersInputs> {
    const dynamic = this.sources.xds?.resources()[RESOURCE_TYPE.cluster]?.resources.map((r) => r.name);
    const views: AdminClusterViews = this.sources.clusterViews ? await this.sources.clusterViews() : this.sources;
    return {
      snapshot: this.sources.holder.current,
      ...(views.upstream ? { upstream: views.upstream } : {}),
      ...(views.hostCounters ? { hostCounters: (c: string) => views.hostCounters!(c) } : {}),
      dynamicClusters: new Set(dynamic ?? []),
    };
  }

  private async stats(q: URLSearchParams, res: ServerResponse): Promise<void> {
    const families = await this.sources.metrics.collect();
    const format = q.get('format');
    if (format === 'prometheus') {
      reply(res, 200, PROMETHEUS_CONTENT_TYPE, renderPrometheusText(families));
      return;
    }
    const filter = compileRegex(q.get('filter'), res);
    if (filter === null) return;
    const text = renderEnvoyStatsText(families, filter, q.has('usedonly'));
    if (format === 'json') {
      // Envoy's JSON: {"stats":[{"name":…,"value":…}]}; histograms keep their quantile text.
      const stats = text.split('\n').filter(Boolean).map((line) => {
        const i = line.lastIndexOf(': ');
        const raw = line.slice(i + 2);
        const value = Number(raw);
        return { name: line.slice(0, i), value: Number.isNaN(value) ? raw : value };
      });
      reply(res, 200, JSON_TYPE, `${JSON.stringify({ stats }, null, 2)}\n`);
      return;
    }
    reply(res, 200, TEXT, text);
  }

  private listeners(q: URLSearchParams, res: ServerResponse): void {
    const ls = [...this.sources.holder.current.listeners.values()].sort((a, b) => a.name.localeCompare(b.name));
    if (q.get('format') === 'json') {
      const listener_statuses = ls.map((l) => ({ name: l.name, local_address: { socket_address: { address: l.address.address, port_value: l.address.port } } }));
      reply(res, 200, JSON_TYPE, `${JSON.stringify({ listener_statuses }, null, 2)}\n`);
      return;
    }
    reply(res, 200, TEXT, ls.map((l) => `${l.name}::${l.address.address}:${l.address.port}\n`).join(''));
  }

  private logging(method: string, q: URLSearchParams, res: ServerResponse): void {
    const logger = this.sources.logger;
    const wanted = q.get('level');
    if (wanted !== null) {
      if (method !== 'POST') {
        reply(res, 405, TEXT, 'This endpoint requires POST.\n');
        return;
      }
      const level = LEVEL_ALIASES[wanted] ?? wanted;
      if (!PINO_LEVELS.includes(level)) {
        reply(res, 400, TEXT, `unknown level ${wanted}; use one of ${PINO_LEVELS.join(', ')}\n`);
        return;
      }
      if (!logger) {
        reply(res, 501, TEXT, 'no logger is attached to the admin server\n');
        return;
      }
      const previous = logger.level;
      logger.level = level;
      this.log.info({ previous, level }, 'log level changed through the admin API');
    }
    reply(res, 200, TEXT, `active loggers:\n  plexus: ${logger?.level ?? 'unknown'}\n`);
  }

  private serverInfo(): Record<string, unknown> {
    const uptime = `${Math.floor((Date.now() - this.startedAtMs) / 1000)}s`;
    const xds = this.sources.xds?.status();
    return {
      version: `plexus-proxy/${this.opts.version ?? '0.1.0'}/node-${process.versions.node}`,
      state: serverStateOf(this.sources),
      hot_restart_version: 'disabled',
      uptime_current_epoch: uptime,
      uptime_all_epochs: uptime,
      command_line_options: { concurrency: this.opts.concurrency ?? 1, base_id: '0', log_level: this.sources.logger?.level ?? 'info', drain_strategy: 'Gradual' },
      node: this.sources.bootstrap?.node ?? {},
      ...(xds ? { xds: { server: xds.server, state: xds.state, node_id: xds.nodeId, initialized: xds.initialized } } : {}),
    };
  }
}

/**
 * Starts the admin API on 127.0.0.1:15000 (or `host`/`port`) and resolves the running server.
 * The proxy process passes its admin seam plus the optional views:
 * `startAdmin({ sources: { ...proxy.adminSeam(), xds: proxy.xds, upstream: proxy.upstream, localSecrets: proxy.localSecrets, logger }, port })`.
 */
export async function startAdmin(opts: AdminServerOptions): Promise<AdminServer> {
  const server = new AdminServer(opts);
  await server.start();
  return server;
}
