import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { PlexusError } from '../../api/errors.js';
import { redactSecrets } from '../../api/kinds/secret/redact.js';
import type { ConfigStore } from '../../config/store.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheusText, type MetricSource } from '../../telemetry/prometheus-text.js';
import type { AdsServer } from '../ads-server.js';
import { buildConfigDump, type Subscriptions } from '../config-dump.js';
import type { ProxyInfo } from '../proxy.js';
import type { XdsStream } from '../stream-host.js';
import { proxyMatches } from './proxy-name.js';
import { buildSyncz } from './syncz.js';

/** Options of {@link startMonitoringServer}. */
export interface MonitoringServerOptions {
  /** Bind address; loopback unless told otherwise, since debug output names every workload. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  ads: AdsServer;
  store: ConfigStore;
  /** Metric families rendered by /metrics, in order. */
  metrics: readonly MetricSource[];
  /** Name of this controller (istioctl's ISTIOD column). */
  controlPlane: string;
  /** True once the first push context is committed. */
  ready(): boolean;
}

/** A running monitoring server. */
export interface MonitoringServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** The endpoints, for `GET /debug` (istiod lists its debug handlers the same way). */
const ENDPOINTS: Readonly<Record<string, string>> = {
  '/metrics': 'Prometheus metrics of the control plane and the process',
  '/ready': 'Readiness: 200 once the first config has been pushed',
  '/debug/syncz': 'Per proxy and type: sent and acknowledged versions and nonces, NACKs',
  '/debug/config_dump?proxyID=ID': "What the controller sends a connected proxy, in Envoy's /config_dump shape",
  '/debug/registryz': 'Services and endpoints of the registry',
  '/debug/configz': 'Every config object in the store',
};

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Subscribed names per type as config_dump wants them: `*` means wildcard. */
function subscriptionsOf(stream: XdsStream): Subscriptions {
  const out: Subscriptions = {};
  for (const [url, st] of Object.entries(stream.status()?.types ?? {})) out[url] = st.subscribed.includes('*') ? undefined : st.subscribed;
  return out;
}

/**
 * The controller's monitoring port (15014 in Istio): Prometheus metrics, readiness and
 * istiod's debug endpoints. Read-only; it binds loopback by default.
 */
export async function startMonitoringServer(options: MonitoringServerOptions): Promise<MonitoringServer> {
  const { logger, ads, store } = options;
  const findStream = (id: string): XdsStream | undefined => ads.connections().find((s) => s.proxy && proxyMatches(id, s.proxy.id, s.id));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'only GET is served here');
    const url = new URL(req.url ?? '/', 'http://localhost');
    switch (url.pathname) {
      case '/metrics': {
        const families = options.metrics.flatMap((m) => m.collect());
        return sendText(res, 200, renderPrometheusText(families), PROMETHEUS_CONTENT_TYPE);
      }
      case '/ready':
        return options.ready() ? sendText(res, 200, 'ready\n') : sendText(res, 503, 'not ready: the first push has not happened yet\n');
      case '/debug':
        return sendJson(res, 200, ENDPOINTS);
      case '/debug/syncz': {
        const proxies = new Map<string, ProxyInfo>();
        for (const s of ads.connections()) if (s.proxy) proxies.set(s.id, s.proxy);
        return sendJson(res, 200, buildSyncz(ads.status(), proxies, options.controlPlane));
      }
      case '/debug/config_dump': {
        const id = url.searchParams.get('proxyID');
        if (!id) throw new HttpError(400, 'config_dump needs ?proxyID=<node id or pod.namespace>');
        const stream = findStream(id);
        if (!stream?.proxy) throw new HttpError(404, `no proxy ${JSON.stringify(id)} is connected to this controller`);
        return sendJson(res, 200, buildConfigDump(logger, ads.pushContext(), stream.proxy, subscriptionsOf(stream)));
      }
      case '/debug/registryz': {
        const registry = ads.pushContext().registry;
        return sendJson(res, 200, { services: registry.services, workloads: registry.workloads });
      }
      case '/debug/configz':
        // Unauthenticated: Secret values are never shown here.
        return sendJson(res, 200, redactSecrets(await store.list()));
      default:
        throw new HttpError(404, `no such endpoint; see /debug for the list`);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status >= 500) logger.error({ err, url: req.url }, 'monitoring request failed');
      if (!res.headersSent) sendJson(res, status, { error: (err as Error).message });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    throw new PlexusError('PLEXUS_ERR_IO', `cannot listen on ${options.host}:${options.port} for monitoring: ${(err as Error).message}`, { cause: err });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ host: options.host, port }, 'monitoring listening (/metrics, /debug/*)');
  return {
    host: options.host,
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
