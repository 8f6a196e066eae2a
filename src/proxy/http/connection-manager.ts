import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2, { type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { pino, type Logger } from 'pino';
import type { EnvoyNamedCounters } from '../../telemetry/envoy-named-counters.js';
import type { HttpConnectionManagerConfig, RouteConfiguration, VirtualHost } from '../config/model.js';
import type { ConnectionInfo, SnapshotHolder } from '../config/snapshot-holder.js';
import type { CurrentHttpHandler } from '../listener/network-filter-chain.js';
import type { LocalReply } from '../errors/local-reply.js';
import type { FilterDeps, HttpFilter, HttpFilterDefinition } from '../filters/filter-api.js';
import { buildHttpFilters, HTTP_FILTERS } from '../filters/registry.js';
import type { RouteRequest } from '../router/route-request.js';
import { routeTableFor, type RouteSelection } from '../router/route-table.js';
import { detectCodec, type DownstreamCodec } from './codec-detect.js';
import { DownstreamExchange, type UpgradeRequest } from './downstream-exchange.js';
import { runFilterChain } from './filter-chain.js';
import { RequestFilterContext } from './filter-context.js';
import { applyForwardedHeaders } from './forwarded-headers.js';
import { normalizeRequestPath, type PathNormalization, type PathVerdict } from './path-normalization.js';
import { getHeader, headersFromRaw, headersSize } from './header-map.js';
import { stripHopByHop } from './hop-by-hop.js';
import { createRequestRecord, elapsedMs, type HttpProtocol, type RequestRecord } from './request-record.js';
import type { HttpUpstream } from './upstream-port.js';

/** Collaborators of a connection manager. */
export interface HttpConnectionManagerOptions {
  readonly snapshots: SnapshotHolder;
  readonly upstream: HttpUpstream;
  readonly logger?: Logger;
  /** Called once per request with its final record (access log, stats). */
  readonly onRequestComplete?: (record: RequestRecord) => void;
  /** Request bodies up to this size are kept for retries and mirrors; default 1 MiB. */
  readonly retryBufferLimitBytes?: number;
  /** Filter definitions by type URL; default: every filter Plexus implements. */
  readonly filterRegistry?: readonly HttpFilterDefinition[];
  /** Where filters count Envoy-named stats (`http.<stat_prefix>.rbac.allowed`, ...). */
  readonly envoyStats?: EnvoyNamedCounters;
}

const DEFAULT_RETRY_BUFFER_LIMIT = 1024 * 1024;
/** Slow-header limit when the config sets none (Node's own default). */
const DEFAULT_HEADERS_TIMEOUT_MS = 60_000;
const KEEP_ALIVE_TIMEOUT_MS = 60_000;
/** Fragments are dropped even when a connection manager normalises nothing else. */
const NO_NORMALIZATION: PathNormalization = { normalizePath: false, mergeSlashes: false, escapedSlashesAction: 'KEEP_UNCHANGED' };
/** Envoy's default max_headers_count. */
const DEFAULT_MAX_HEADERS_COUNT = 100;

function headersTimeoutOf(config: HttpConnectionManagerConfig): number {
  const configured = config.requestHeadersTimeoutMs && config.requestHeadersTimeoutMs > 0 ? config.requestHeadersTimeoutMs : DEFAULT_HEADERS_TIMEOUT_MS;
  // Node insists the header timeout fits inside the request timeout.
  return config.requestTimeoutMs && config.requestTimeoutMs > 0 ? Math.min(configured, config.requestTimeoutMs) : configured;
}

/**
 * Envoy's HTTP connection manager: one per `http_connection_manager` config, built once
 * (filters parsed, servers made) and fed connections by the listener through `handleSocket`.
 * It picks the codec (ALPN, or the HTTP/2 preface, or HTTP/1.1), lets Node's HTTP/1.1 and
 * HTTP/2 servers parse the traffic, applies Envoy's header rules, selects the route and runs
 * each request through the HTTP filters. Malformed traffic gets 400/431/408 and a close; no
 * error on one connection reaches another or the process.
 */
export class HttpConnectionManager {
  private readonly log: Logger;
  private readonly filters: readonly HttpFilter[];
  private readonly h1: http.Server;
  private readonly h2: http2.Http2Server;
  private readonly sockets = new Set<Duplex>();
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly h1Info = new WeakMap<object, ConnectionInfo>();
  private readonly h2Info = new WeakMap<ServerHttp2Session, ConnectionInfo>();
  private pendingH2Info: ConnectionInfo | undefined;
  private closed = false;
  private readonly maxHeadersCount: number;
  // Per connection: who serves its chain now (a policy or filter change since it was accepted).
  private readonly current = new WeakMap<ConnectionInfo, CurrentHttpHandler>();

  constructor(
    readonly config: HttpConnectionManagerConfig,
    private readonly opts: HttpConnectionManagerOptions,
  ) {
    this.log = (opts.logger ?? pino({ name: 'plexus-http', level: 'info' })).child({ hcm: config.statPrefix });
    const deps: FilterDeps = {
      upstream: opts.upstream,
      snapshots: opts.snapshots,
      logger: this.log,
      retryBufferLimitBytes: opts.retryBufferLimitBytes ?? DEFAULT_RETRY_BUFFER_LIMIT,
      ...(opts.envoyStats ? { envoyStats: opts.envoyStats } : {}),
      statPrefix: config.statPrefix,
    };
    this.maxHeadersCount = config.maxHeadersCount ?? DEFAULT_MAX_HEADERS_COUNT;
    this.filters = buildHttpFilters(config.httpFilters, deps, opts.filterRegistry ?? HTTP_FILTERS);
    this.h1 = this.createH1Server();
    this.h2 = this.createH2Server();
  }

  /** Serves one accepted (and, for TLS chains, terminated) connection until it closes. */
  handleSocket(socket: Socket | TLSSocket | Duplex, info: ConnectionInfo, current?: CurrentHttpHandler): void {
    if (current) this.current.set(info, current);
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', (err) => this.log.debug({ err, connection: info.id }, 'downstream socket error'));
    const alpn = (socket as TLSSocket).alpnProtocol;
    const fixed: DownstreamCodec | undefined =
      this.config.codec === 'HTTP1' ? 'http1' : this.config.codec === 'HTTP2' ? 'http2' : alpn === 'h2' ? 'http2' : alpn === 'http/1.1' ? 'http1' : undefined;
    if (fixed) {
      this.serve(socket, info, fixed);
      return;
    }
    detectCodec(socket, headersTimeoutOf(this.config)).then(
      (codec) => {
        if (codec && !socket.destroyed) this.serve(socket, info, codec);
        else socket.destroy();
      },
      (err: unknown) => {
        this.log.warn({ err }, 'codec detection failed');
        socket.destroy();
      },
    );
  }

  /** Stops serving: closes every connection this manager holds. */
  async close(): Promise<void> {
    this.closed = true;
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    this.h1.closeAllConnections();
    await new Promise<void>((resolve) => this.h1.close(() => resolve()));
    await new Promise<void>((resolve) => this.h2.close(() => resolve()));
  }

  /** Connections currently open. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  private serve(socket: Duplex, info: ConnectionInfo, codec: DownstreamCodec): void {
    try {
      if (codec === 'http1') {
        this.h1Info.set(socket, info);
        this.h1.emit('connection', socket);
        socket.resume();
        return;
      }
      // Node's HTTP/2 session reads the socket's handle directly and would miss bytes already
      // read into the JS buffer (the sniffed preface); a JS-level duplex delivers them.
      const stream = socket.readableLength > 0 ? wrapSocket(socket) : socket;
      this.pendingH2Info = info;
      try {
        this.h2.emit('connection', stream);
      } finally {
        this.pendingH2Info = undefined;
      }
    } catch (err) {
      this.log.warn({ err, connection: info.id }, 'could not start serving connection');
      socket.destroy();
    }
  }

  private createH1Server(): http.Server {
    const requestTimeout = this.config.requestTimeoutMs ?? 0;
    const headersTimeout = headersTimeoutOf(this.config);
    const server = http.createServer({
      maxHeaderSize: this.config.maxRequestHeadersKb * 1024,
      requestTimeout,
      headersTimeout,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
      requireHostHeader: true,
      joinDuplicateHeaders: false,
      insecureHTTPParser: false,
    });
    // One above the limit: Node drops headers past maxHeadersCount, and we must see the excess to answer 431.
    server.maxHeadersCount = this.maxHeadersCount + 1;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res, req.httpVersion === '1.0' ? 'HTTP/1.0' : 'HTTP/1.1', this.h1Info.get(req.socket)));
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.onClientError(err, socket));
    // Node starts its header/request timeout sweeps on 'listening'; these servers never listen.
    server.emit('listening');
    return server;
  }

  private createH2Server(): http2.Http2Server {
    const server = http2.createServer({
      maxSessionMemory: 64,
      settings: { maxHeaderListSize: this.config.maxRequestHeadersKb * 1024, enablePush: false },
      // Room for the pseudo-headers and one more, so the count check below answers instead of nghttp2 resetting.
      maxHeaderListPairs: this.maxHeadersCount + 8,
      unknownProtocolTimeout: headersTimeoutOf(this.config),
    });
    server.on('session', (session: ServerHttp2Session) => {
      const info = this.pendingH2Info;
      if (info) this.h2Info.set(session, info);
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
      session.on('error', (err) => this.log.debug({ err, connection: info?.id }, 'http2 session error'));
    });
    server.on('stream', (stream) => stream.on('error', (err: unknown) => this.log.debug({ err }, 'http2 stream error')));
    server.on('sessionError', (err) => this.log.debug({ err }, 'http2 session error'));
    server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => this.onRequest(req, res, 'HTTP/2', this.h2Info.get(req.stream.session as ServerHttp2Session)));
    return server;
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    // A ServerResponse bound to the raw socket lets local replies (403, 503) use the normal path.
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.on('finish', () => socket.destroySoon());
    const type = (getHeader(headersFromRaw(req.rawHeaders), 'upgrade') ?? '').split(',')[0]!.trim();
    this.onRequest(req, res, 'HTTP/1.1', this.h1Info.get(socket), { type, socket, head });
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    const code = err.code ?? '';
    const info = this.h1Info.get(socket);
    let status = 400;
    let details = 'codec_error';
    if (code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      details = 'request_headers_too_large';
    } else if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      details = 'request_header_timeout';
    } else if (code === 'ECONNRESET' || code === 'EPIPE') {
      socket.destroy();
      return;
    }
    this.log.debug({ code, connection: info?.id }, 'malformed downstream request');
    // A body error arrives after the request was dispatched; while its response has not
    // started, the client still gets Envoy's 400 instead of a silent close.
    const inFlight = (socket as { _httpMessage?: ServerResponse })._httpMessage;
    const writable = socket.writable && (!inFlight || !inFlight.headersSent);
    if (inFlight) inFlight.shouldKeepAlive = false;
    if (writable) {
      const text = http.STATUS_CODES[status] ?? 'Bad Request';
      socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
    }
    // Close once the reply is flushed; a peer that stops reading is cut off shortly after.
    socket.once('finish', () => socket.destroy());
    setTimeout(() => socket.destroy(), 1000).unref();
    if (info && this.opts.onRequestComplete) {
      const record = createRequestRecord(info, 'HTTP/1.1', { method: '-', path: '-', authority: '-' });
      record.status = writable ? status : 0;
      record.flags.add('DPE');
      record.responseCodeDetails = details;
      record.durationMs = elapsedMs(record);
      this.complete(record);
    }
  }

  private complete(record: RequestRecord): void {
    try {
      this.opts.onRequestComplete?.(record);
    } catch (err) {
      this.log.error({ err }, 'onRequestComplete failed');
    }
  }

  private routeConfig(): RouteConfiguration | undefined {
    if (this.config.routeConfig) return this.config.routeConfig;
    return this.config.rdsName !== undefined ? this.opts.snapshots.current.routes.get(this.config.rdsName) : undefined;
  }

  private onRequest(
    req: IncomingMessage | Http2ServerRequest,
    res: ServerResponse | Http2ServerResponse,
    protocol: HttpProtocol,
    info: ConnectionInfo | undefined,
    upgrade?: UpgradeRequest,
  ): void {
    if (!info) {
      this.log.error('request on a connection without connection info');
      res.destroy();
      return;
    }
    // A changed chain serves the requests of connections accepted before the change; one that can
    // no longer serve them as accepted answers this request and closes (Envoy's drain).
    const now = this.current.get(info)?.();
    if (now?.drain) closeAfterResponse(req, res);
    const next = now?.handler;
    const target = next instanceof HttpConnectionManager && next !== this && !next.closed ? next : this;
    target.handleRequest(req, res, protocol, info, upgrade).catch((err: unknown) => {
      this.log.error({ err, connection: info.id }, 'request handling failed');
      try {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-length': '0' });
          res.end();
        } else {
          res.destroy();
        }
      } catch {
        res.destroy();
      }
    });
  }

  private async handleRequest(
    req: IncomingMessage | Http2ServerRequest,
    res: ServerResponse | Http2ServerResponse,
    protocol: HttpProtocol,
    info: ConnectionInfo,
    upgrade?: UpgradeRequest,
  ): Promise<void> {
    const h2 = protocol === 'HTTP/2';
    const raw = req.headers as Record<string, string | string[] | undefined>;
    const method = (h2 ? String(raw[':method'] ?? '') : req.method) ?? '';
    let path = (h2 ? String(raw[':path'] ?? '') : req.url) ?? '';
    let authority = h2 ? String(raw[':authority'] ?? raw['host'] ?? '') : String(raw['host'] ?? '');
    const scheme = h2 ? String(raw[':scheme'] ?? (info.tlsTerminated ? 'https' : 'http')) : info.tlsTerminated ? 'https' : 'http';
    // Absolute-form request targets (`GET http://host/path`) carry the authority in the URL.
    if (/^https?:\/\//i.test(path)) {
      try {
        const url = new URL(path);
        authority = url.host;
        path = `${url.pathname}${url.search}`;
      } catch {
        path = '';
      }
    }
    // Envoy normalises before routing and the filters, so routes, RBAC and the upstream agree on the path.
    let pathVerdict: PathVerdict | undefined;
    if (path.startsWith('/') && (this.config.pathNormalization || path.includes('#'))) {
      pathVerdict = normalizeRequestPath(path, this.config.pathNormalization ?? NO_NORMALIZATION);
      if (pathVerdict.action !== 'reject') path = pathVerdict.path;
    }
    const headers = headersFromRaw(req.rawHeaders);
    delete headers['host'];
    delete headers['expect'];
    const record = createRequestRecord(info, protocol, { method, path, authority });
    record.userAgent = getHeader(headers, 'user-agent');
    const exchange = new DownstreamExchange(req, res, record, headers, scheme, this.log, {
      serverName: this.config.serverName,
      upgrade,
      onComplete: (r) => this.complete(r),
    });

    const reject = (reply: LocalReply): void => {
      record.flags.add('DPE');
      exchange.closeConnectionAfterResponse();
      exchange.sendLocalReply(reply);
    };
    if (!(path.startsWith('/') || (path === '*' && method === 'OPTIONS'))) return reject({ status: 400, body: 'Bad Request', details: 'invalid_path' });
    if (!authority || /[\s/\\@]/.test(authority)) return reject({ status: 400, body: 'Bad Request', details: 'missing_or_invalid_host_header' });
    // HTTP/1 counts the header lines; HTTP/2 every field, pseudo-headers included, as Envoy's codecs do.
    if (req.rawHeaders.length / 2 > this.maxHeadersCount) {
      return reject({ status: 431, body: 'Request Header Fields Too Large', details: h2 ? 'http2.too_many_headers' : 'http1.too_many_headers' });
    }
    // A well-formed request whose path cannot be normalised: a local reply, the connection stays (Envoy).
    if (pathVerdict?.action === 'reject') return exchange.sendLocalReply({ status: 400, body: 'Bad Request', details: 'path_normalization_failed' });
    if (pathVerdict?.action === 'redirect') {
      return exchange.sendLocalReply({ status: 307, body: '', details: 'path_normalization_redirect', headers: { location: path } });
    }
    if (headersSize(headers) + path.length + authority.length > this.config.maxRequestHeadersKb * 1024) {
      return reject({ status: 431, body: 'Request Header Fields Too Large', details: 'request_headers_too_large' });
    }
    if (upgrade) stripUpgradeHopByHop(headers);
    else stripHopByHop(headers);

    if (h2 && this.config.requestTimeoutMs && this.config.requestTimeoutMs > 0) this.armRequestTimeout(exchange, this.config.requestTimeoutMs);

    const forwarded = applyForwardedHeaders(headers, info, this.config);
    record.requestId = forwarded.requestId || undefined;
    record.xForwardedFor = getHeader(headers, 'x-forwarded-for');

    let route: RouteSelection | undefined;
    let virtualHost: VirtualHost | undefined;
    const routeConfig = this.routeConfig();
    if (routeConfig) {
      const routeReq: RouteRequest = { method, path, authority, scheme, headers, clientAddress: forwarded.clientAddress };
      try {
        const found = routeTableFor(routeConfig).select(routeReq);
        route = found.selection;
        virtualHost = found.virtualHost;
      } catch (err) {
        this.log.error({ err, routeConfig: routeConfig.name }, 'route configuration does not compile; treating as no route');
      }
    }
    record.virtualHostName = virtualHost?.name;
    record.routeName = route?.route.route.name;
    record.routeDecorator = route?.route.route.decorator;

    const ctx = new RequestFilterContext(exchange, headers, routeConfig, route, virtualHost, record, info, forwarded, this.config, this.log);
    await runFilterChain(this.filters, ctx);
  }

  // Envoy's request_timeout for HTTP/2 (Node enforces it itself for HTTP/1.1).
  private armRequestTimeout(exchange: DownstreamExchange, ms: number): void {
    const timer = setTimeout(() => {
      if (!exchange.req.readableEnded) exchange.sendLocalReply({ status: 408, body: 'request timeout', details: 'request_overall_timeout' });
    }, ms);
    timer.unref();
    exchange.req.once('end', () => clearTimeout(timer));
    exchange.downstreamGone.addEventListener('abort', () => clearTimeout(timer));
  }
}

// Upgrades keep `connection: upgrade` and `upgrade`; the rest of the hop-by-hop set goes.
function stripUpgradeHopByHop(headers: ReturnType<typeof headersFromRaw>): void {
  const upgrade = headers['upgrade'];
  stripHopByHop(headers, { keepUpgrade: true });
  if (upgrade !== undefined) {
    headers['upgrade'] = upgrade;
    headers['connection'] = 'upgrade';
  }
}

/** Connection: close on HTTP/1 (Node closes after the response); a graceful GOAWAY on HTTP/2. */
function closeAfterResponse(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
  if ('stream' in req) req.stream.session?.close();
  else (res as ServerResponse).shouldKeepAlive = false;
}

/** A JS-level duplex over a socket, so a codec that reads from JS sees already-buffered bytes. */
function wrapSocket(socket: Duplex): Duplex {
  const wrapped = Duplex.from({ readable: socket, writable: socket });
  wrapped.on('error', () => socket.destroy());
  wrapped.on('close', () => socket.destroy());
  socket.on('close', () => wrapped.destroy());
  return wrapped;
}
