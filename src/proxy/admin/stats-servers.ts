import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheusText, type MetricSource } from '../../telemetry/prometheus-text.js';
import type { AdminMetricSource } from './admin-sources.js';
import { fetchAppMetrics, type AppMetricsTarget } from './app-metrics.js';
import { listenHttp, reply, requestUrl, type RunningHttpServer } from './listen-http.js';

/** Istio's ports: Envoy's Prometheus stats, the agent's merged metrics and health, readiness. */
export const PROMETHEUS_STATS_PORT = 15090;
export const AGENT_STATUS_PORT = 15020;
export const READINESS_PORT = 15021;

/** Options of {@link startStatsServers}; a port set to `false` is not opened. */
export interface StatsServersOptions {
  /** The proxy's statistics (ProxyStats, or the sum gathered from the workers of `--concurrency N`). */
  readonly metrics: AdminMetricSource;
  ready(): boolean;
  /** Istio binds these on every address so Prometheus can scrape the pod; tests pass 127.0.0.1. */
  readonly host?: string;
  /** 15090 `/stats/prometheus` (default 15090). */
  readonly prometheusPort?: number | false;
  /** 15020 merged `/stats/prometheus` and `/healthz/ready` (default 15020). */
  readonly agentPort?: number | false;
  /** 15021 `/healthz/ready`; off by default because the proxy process already serves it. */
  readonly readinessPort?: number | false;
  /** The agent's own metrics, merged on 15020 after the proxy's. */
  readonly agentMetrics?: MetricSource;
  /** The app's metrics endpoint, merged on 15020 last (Istio's metrics merging). */
  readonly appMetrics?: AppMetricsTarget;
  readonly logger?: Logger;
}

/** The running stats servers and their bound ports. */
export interface StatsServers {
  readonly prometheusPort?: number;
  readonly agentPort?: number;
  readonly readinessPort?: number;
  close(): Promise<void>;
}

const TEXT = 'text/plain; charset=UTF-8';

function readiness(ready: () => boolean, res: ServerResponse): void {
  const ok = ready();
  reply(res, ok ? 200 : 503, TEXT, ok ? '' : 'proxy is not ready\n');
}

/**
 * Starts the sidecar's scrape and health ports: 15090 (proxy stats), 15020 (proxy + agent +
 * app metrics merged, and `/healthz/ready`) and, when asked, 15021 (`/healthz/ready`).
 */
export async function startStatsServers(opts: StatsServersOptions): Promise<StatsServers> {
  const log = opts.logger ?? pino({ name: 'plexus-stats' }, pino.destination(2));
  const host = opts.host ?? '0.0.0.0';
  const onError = (err: unknown): void => log.error({ err }, 'stats request failed');
  const running: RunningHttpServer[] = [];
  const only = (allowed: (path: string) => boolean, handle: (path: string, req: IncomingMessage, res: ServerResponse) => void | Promise<void>) =>
    (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
      const path = requestUrl(req).pathname;
      if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, TEXT, 'method not allowed\n');
      if (!allowed(path)) return reply(res, 404, TEXT, 'not found\n');
      return handle(path, req, res);
    };
  const result: { prometheusPort?: number; agentPort?: number; readinessPort?: number } = {};
  try {
    const pPort = opts.prometheusPort ?? PROMETHEUS_STATS_PORT;
    if (pPort !== false) {
      const s = await listenHttp(host, pPort, only((p) => p === '/stats/prometheus', async (_p, _req, res) => {
        reply(res, 200, PROMETHEUS_CONTENT_TYPE, renderPrometheusText(await opts.metrics.collect()));
      }), onError);
      running.push(s);
      result.prometheusPort = s.port;
    }
    const aPort = opts.agentPort ?? AGENT_STATUS_PORT;
    if (aPort !== false) {
      const s = await listenHttp(host, aPort, only((p) => p === '/stats/prometheus' || p === '/healthz/ready', async (path, _req, res) => {
        if (path === '/healthz/ready') return readiness(() => opts.ready(), res);
        let body = renderPrometheusText(await opts.metrics.collect());
        if (opts.agentMetrics) body += renderPrometheusText(opts.agentMetrics.collect());
        if (opts.appMetrics) {
          const app = await fetchAppMetrics(opts.appMetrics);
          if (app === undefined) log.debug({ url: opts.appMetrics.url }, 'application metrics unavailable; serving the proxy\'s only');
          else body += app;
        }
        reply(res, 200, PROMETHEUS_CONTENT_TYPE, body);
      }), onError);
      running.push(s);
      result.agentPort = s.port;
    }
    const rPort = opts.readinessPort ?? false;
    if (rPort !== false) {
      const s = await listenHttp(host, rPort, only((p) => p === '/healthz/ready', (_p, _req, res) => readiness(() => opts.ready(), res)), onError);
      running.push(s);
      result.readinessPort = s.port;
    }
  } catch (err) {
    await Promise.all(running.map((s) => s.close()));
    throw err;
  }
  log.info({ host, ...result }, 'stats servers listening');
  return { ...result, close: async () => { await Promise.all(running.map((s) => s.close())); } };
}

/** Ports a proxy process serves (admin, scrape and readiness), for logs, tests and `controller.json`-style records. */
export interface ProxyPorts {
  readonly admin?: number;
  readonly prometheus?: number;
  readonly agent?: number;
  readonly readiness?: number;
}

/** The bound ports of whichever of these servers were opened. */
export function boundPorts(admin: { readonly port?: number } | undefined, scrape: StatsServers | undefined, readiness: number | undefined): ProxyPorts {
  return {
    ...(admin?.port !== undefined ? { admin: admin.port } : {}),
    ...(scrape?.prometheusPort !== undefined ? { prometheus: scrape.prometheusPort } : {}),
    ...(scrape?.agentPort !== undefined ? { agent: scrape.agentPort } : {}),
    ...(readiness !== undefined ? { readiness } : {}),
  };
}
