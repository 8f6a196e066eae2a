/**
 * Shared fixtures for the HTTP data-plane tests: real upstream servers on loopback, a real
 * UpstreamManager, and the HttpConnectionManager behind a plain `net` server that calls
 * `handleSocket`, as the listener does.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { pino } from 'pino';
import type {
  ClusterConfig,
  HttpConnectionManagerConfig,
  HttpFilterConfig,
  ProxySnapshot,
  Route,
  RouteConfiguration,
  VirtualHost,
} from '../src/proxy/config/model.js';
import { EMPTY_SNAPSHOT, SnapshotHolder, type ConnectionInfo } from '../src/proxy/config/snapshot-holder.js';
import { HttpConnectionManager } from '../src/proxy/http/connection-manager.js';
import type { RequestRecord } from '../src/proxy/http/request-record.js';
import type { HttpUpstream } from '../src/proxy/http/upstream-port.js';
import { UpstreamManager } from '../src/proxy/upstream/upstream-manager.js';

export const silent = pino({ level: 'silent' });

export const ROUTER: HttpFilterConfig = {
  name: 'envoy.filters.http.router',
  typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  config: {},
};

/** A static cluster over loopback ports. */
export function cluster(name: string, ports: readonly number[], extra: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    name,
    type: 'STATIC',
    lbPolicy: 'ROUND_ROBIN',
    connectTimeoutMs: 1000,
    loadAssignment: {
      clusterName: name,
      overprovisioningFactor: 140,
      localities: [
        {
          locality: {},
          priority: 0,
          weight: 1,
          endpoints: ports.map((port) => ({ address: { address: '127.0.0.1', port }, weight: 1, health: 'HEALTHY' as const, metadata: {} })),
        },
      ],
    },
    circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 16 },
    tlsMatches: [],
    http2: false,
    useDownstreamProtocol: false,
    ...extra,
  };
}

/** A route to one cluster with Istio's defaults (no timeout). */
export function route(match: Partial<Route['match']>, action: Partial<Extract<Route['action'], { kind: 'route' }>> & { cluster?: string }, extra: Partial<Route> = {}): Route {
  const { cluster: clusterName, ...rest } = action;
  return {
    match: { path: { kind: 'prefix', value: '/' }, caseSensitive: true, headers: [], queryParameters: [], ...match },
    action: {
      kind: 'route',
      clusters: clusterName ? [{ name: clusterName, weight: 100 }] : [],
      timeoutMs: 0,
      hashPolicy: [],
      mirrors: [],
      ...rest,
    },
    ...extra,
  };
}

export function vhost(name: string, domains: string[], routes: Route[], extra: Partial<VirtualHost> = {}): VirtualHost {
  return { name, domains, routes, ...extra };
}

export function routeConfig(virtualHosts: VirtualHost[], extra: Partial<RouteConfiguration> = {}): RouteConfiguration {
  return { name: 'test-routes', virtualHosts, ...extra };
}

export function hcmConfig(rc: RouteConfiguration, extra: Partial<HttpConnectionManagerConfig> = {}): HttpConnectionManagerConfig {
  return {
    kind: 'http_connection_manager',
    statPrefix: 'test',
    routeConfig: rc,
    httpFilters: [ROUTER],
    codec: 'AUTO',
    useRemoteAddress: false,
    xffNumTrustedHops: 0,
    generateRequestId: true,
    maxRequestHeadersKb: 60,
    upgradeTypes: [],
    ...extra,
  };
}

export function snapshot(clusters: ClusterConfig[]): ProxySnapshot {
  return { ...EMPTY_SNAPSHOT, clusters: new Map(clusters.map((c) => [c.name, c])) };
}

/** What the test upstream saw for one request. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly port: number;
}

/** A real HTTP/1.1 upstream; the handler answers, every request is recorded. */
export async function startUpstream(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void = echo): Promise<{ port: number; seen: SeenRequest[]; server: http.Server; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, port });
      handler(req, res, body);
    });
  });
  server.keepAliveTimeout = 500;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    seen,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Default upstream: 200 with a JSON echo of what it received. */
export function echo(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
  const port = (req.socket.address() as net.AddressInfo).port;
  res.writeHead(200, { 'content-type': 'application/json', 'x-upstream-port': String(port), 'connection': 'keep-alive', 'x-hop': 'drop-me', 'keep-alive': 'timeout=5' });
  res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
}

/** A real HTTP/2 (h2c) upstream. */
export async function startH2Upstream(handler: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, body: Buffer) => void): Promise<{ port: number; close(): Promise<void> }> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => handler(stream, headers, Buffer.concat(chunks)));
    stream.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  };
}

/** The proxy under test: HCM behind a plain net server, with a real UpstreamManager. */
export interface TestProxy {
  readonly port: number;
  readonly records: RequestRecord[];
  readonly holder: SnapshotHolder;
  readonly hcm: HttpConnectionManager;
  readonly upstream: UpstreamManager;
  close(): Promise<void>;
  /** Resolves with the next completed record (or one already there past `index`). */
  record(index: number): Promise<RequestRecord>;
}

let nextConnectionId = 1;

export async function startProxy(
  config: HttpConnectionManagerConfig,
  clusters: ClusterConfig[],
  opts: { retryBufferLimitBytes?: number; upstream?: HttpUpstream; tlsTerminated?: boolean } = {},
): Promise<TestProxy> {
  const holder = new SnapshotHolder();
  holder.replace(snapshot(clusters));
  const upstream = new UpstreamManager(holder, { logger: silent });
  const records: RequestRecord[] = [];
  const waiters: (() => void)[] = [];
  const hcm = new HttpConnectionManager(config, {
    snapshots: holder,
    upstream: opts.upstream ?? upstream,
    logger: silent,
    retryBufferLimitBytes: opts.retryBufferLimitBytes,
    onRequestComplete: (r) => {
      records.push(r);
      for (const w of waiters.splice(0)) w();
    },
  });
  const server = net.createServer((socket) => {
    const info: ConnectionInfo = {
      id: nextConnectionId++,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
      originalDestination: { address: socket.localAddress ?? '', port: socket.localPort ?? 0 },
      tlsTerminated: opts.tlsTerminated ?? false,
      listenerName: 'test',
      filterChainName: 'test',
    };
    hcm.handleSocket(socket, info);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    records,
    holder,
    hcm,
    upstream,
    record: async (index) => {
      const deadline = Date.now() + 5000;
      while (records.length <= index) {
        if (Date.now() > deadline) throw new Error(`no record #${index} (have ${records.length})`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
      return records[index]!;
    },
    close: async () => {
      await hcm.close();
      await new Promise<void>((r) => server.close(() => r()));
      await upstream.close();
    },
  };
}

/** A plain HTTP/1.1 request through a fresh connection. */
export function request(
  port: number,
  opts: { method?: string; path?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer; agent?: http.Agent } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; trailers: NodeJS.Dict<string> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: { host: 'example.com', ...opts.headers }, agent: opts.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), trailers: res.trailers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('client timeout')));
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

/** Sends raw bytes on a new connection; resolves with everything read until the peer closes or `waitMs` passes. */
export function rawExchange(port: number, payload: Buffer | string | (Buffer | string)[], waitMs = 1500): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const parts = Array.isArray(payload) ? payload : [payload];
    socket.on('connect', () => {
      for (const p of parts) socket.write(p);
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ data: Buffer.concat(chunks).toString('latin1'), closed });
    }, waitMs);
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks).toString('latin1'), closed });
    });
  });
}

/** JSON body of the echo upstream. */
export function echoed(body: string): { method: string; url: string; headers: Record<string, string>; body: string } {
  return JSON.parse(body) as { method: string; url: string; headers: Record<string, string>; body: string };
}

/**
 * A minimal HttpUpstream over node:http2 to one port (real sockets), for tests that exercise
 * the HTTP layer against an upstream port other than the UpstreamManager.
 */
export function h2UpstreamTo(port: number): HttpUpstream & { close(): void } {
  const sessions: http2.ClientHttp2Session[] = [];
  return {
    request(_cluster, req) {
      return new Promise((resolve, reject) => {
        const session = http2.connect(`http://127.0.0.1:${port}`);
        sessions.push(session);
        session.on('error', reject);
        const headers: http2.OutgoingHttpHeaders = { ':method': req.method, ':path': req.path };
        for (const [k, v] of Object.entries(req.headers)) {
          if (k === 'host') headers[':authority'] = v as string;
          else if (!k.startsWith(':') && v !== undefined) headers[k] = v as string;
        }
        const stream = session.request(headers, { endStream: !req.body });
        if (req.body) req.body.pipe(stream);
        let resolveTrailers!: (t: http2.IncomingHttpHeaders) => void;
        const trailers = new Promise<http2.IncomingHttpHeaders>((r) => (resolveTrailers = r));
        stream.on('trailers', (t) => resolveTrailers(t));
        stream.on('end', () => {
          resolveTrailers({});
          session.close();
        });
        stream.on('error', reject);
        stream.on('response', (h) => {
          const status = Number(h[':status']);
          const rest = { ...h };
          delete rest[':status'];
          resolve({ status, headers: rest as http.IncomingHttpHeaders, body: stream, trailers: trailers as Promise<http.IncomingHttpHeaders>, endpoint: { key: `127.0.0.1:${port}` } as never });
        });
      });
    },
    close() {
      for (const s of sessions) s.destroy();
    },
  };
}
