import { connect, type ClientHttp2Session, type Settings } from 'node:http2';
import type { Socket } from 'node:net';
import { h2RequestHeaders, H2StreamExchange } from './h2-stream-exchange.js';
import type { HttpPoolOptions, PooledRequest } from './http-pool.js';
import { UpstreamError } from './upstream-error.js';
import type { UpstreamExchange } from './upstream-exchange.js';

/**
 * Flow-control windows we offer the upstream. Node's 64 KiB default stalls a single stream on
 * every round trip; these match undici's, which the proxy used before. Backpressure still holds:
 * a paused reader stops consuming, so the window closes once this much is buffered.
 */
const STREAM_WINDOW_BYTES = 256 * 1024;
const CONNECTION_WINDOW_BYTES = 512 * 1024;
const SETTINGS: Settings = { enablePush: false, initialWindowSize: STREAM_WINDOW_BYTES };

/** What one session needs to know, a subset of the pool's options. */
export type H2SessionOptions = Pick<HttpPoolOptions, 'origin' | 'maxConcurrentStreams' | 'idleTimeoutMs' | 'maxRequestsPerConnection' | 'connect'>;

/** A request waiting for, or handed to, a stream. */
export interface H2Job {
  readonly request: PooledRequest;
  readonly exchange: UpstreamExchange;
}

/** What a session reports to its pool. */
export interface H2SessionOwner {
  /** The peer's SETTINGS_MAX_CONCURRENT_STREAMS as last seen; a new session starts from it. */
  peerStreamLimit: number;
  /** The session may take more streams (a stream closed, the peer raised its limit). */
  sessionHasRoom(session: H2Session): void;
  /** The session is gone (closed, failed to connect, destroyed). */
  sessionClosed(session: H2Session): void;
  /** A job the session could not send after all because it began closing; nothing went out. */
  redispatch(job: H2Job): void;
}

/**
 * One HTTP/2 connection to an upstream host: opened on its first request through the cluster's
 * connector (so TCP, TLS, mTLS, SAN checks and ALPN are exactly as for HTTP/1.1), multiplexing up
 * to the smaller of our and the peer's stream limits. It stops taking streams on GOAWAY, after
 * `maxRequestsPerConnection` streams, when drained, or after `idleTimeoutMs` without streams,
 * and then closes gracefully once its streams are done.
 */
export class H2Session {
  private session: ClientHttp2Session | undefined;
  private socket: Socket | undefined;
  private connecting = false;
  /** Jobs handed over while the connection was being opened. */
  private waiting: H2Job[] = [];
  private active = 0;
  private started = 0;
  private peerLimit: number;
  /** Takes no new streams (GOAWAY, used up, draining, idle); closes once its streams end. */
  private draining = false;
  private closed = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleSince = 0;
  private readonly scheme: string;
  private readonly authority: string;
  private readonly whenClosed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(
    private readonly opts: H2SessionOptions,
    private readonly owner: H2SessionOwner,
  ) {
    this.peerLimit = owner.peerStreamLimit;
    const url = new URL(opts.origin);
    this.scheme = url.protocol.slice(0, -1);
    this.authority = url.host;
    this.whenClosed = new Promise((r) => (this.resolveClosed = r));
  }

  /** Streams this session can still open (counting jobs waiting for the connection). */
  get room(): number {
    if (this.draining) return 0;
    const queued = this.active + this.waiting.length;
    let room = Math.min(this.opts.maxConcurrentStreams, this.peerLimit) - queued;
    const max = this.opts.maxRequestsPerConnection;
    if (max !== undefined && max > 0) room = Math.min(room, max - this.started - this.waiting.length);
    return room;
  }

  /** Send `job` on a new stream, connecting first if this is the session's first job. */
  dispatch(job: H2Job): void {
    if (this.session !== undefined) {
      this.open(job);
      return;
    }
    this.waiting.push(job);
    if (!this.connecting) {
      this.connecting = true;
      this.opts.connect((err, socket) => this.connected(err, socket));
    }
  }

  /** Take no new streams; close once the current ones (and any waiting for the connection) end. */
  drain(): Promise<void> {
    this.retire();
    if (this.session === undefined && !this.connecting) this.markClosed();
    return this.whenClosed;
  }

  /** Close now: waiting jobs and open streams fail (UC). */
  destroy(): Promise<void> {
    this.draining = true;
    this.failWaiting(new UpstreamError('UC', 'upstream_connection_termination', `connection pool to ${this.authority} destroyed`));
    if (this.session !== undefined) {
      this.session.destroy();
      return this.whenClosed;
    }
    // Still connecting: the socket is dropped when it arrives.
    this.markClosed();
    return Promise.resolve();
  }

  private connected(err: UpstreamError | null, socket: Socket | undefined): void {
    this.connecting = false;
    if (err !== null || socket === undefined) {
      this.failWaiting(err ?? new UpstreamError('UF', 'connection_failure', `connection to ${this.authority} failed: no socket`));
      this.markClosed();
      return;
    }
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.socket = socket;
    const session = connect(this.opts.origin, {
      // The connector already did TCP/TLS; a TLS socket whose ALPN said `istio` (or nothing) still speaks h2 here.
      createConnection: () => socket,
      peerMaxConcurrentStreams: this.opts.maxConcurrentStreams,
      settings: SETTINGS,
    });
    this.session = session;
    // Streams report their own failures; a session error also closes the session.
    session.on('error', () => undefined);
    session.once('connect', () => {
      try {
        session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
      } catch {
        // The session closed before it was set up; its streams fail on their own.
      }
    });
    session.on('remoteSettings', (settings: Settings) => {
      const limit = settings.maxConcurrentStreams;
      if (limit === undefined || limit === this.peerLimit) return;
      this.peerLimit = limit;
      this.owner.peerStreamLimit = limit;
      this.owner.sessionHasRoom(this);
    });
    // Node closes the session itself after a GOAWAY (gracefully for NO_ERROR); streams past the
    // peer's last stream id are refused and fail as retriable. New requests go elsewhere.
    session.on('goaway', () => {
      this.draining = true;
    });
    session.once('close', () => this.markClosed());
    const jobs = this.waiting;
    this.waiting = [];
    for (const job of jobs) this.open(job);
    if (this.active === 0) {
      if (this.draining) session.close();
      else this.becameIdle();
    }
  }

  private open(job: H2Job): void {
    const { request, exchange } = job;
    // Cancelled (timeout, abort) while it waited: it never reaches the wire.
    if (exchange.done) return;
    const session = this.session!;
    const body = request.body;
    const canceller = body !== null ? new AbortController() : undefined;
    let stream;
    try {
      stream = session.request(h2RequestHeaders(request, this.scheme, this.authority), { endStream: body === null, signal: canceller?.signal });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_HTTP2_GOAWAY_SESSION' || code === 'ERR_HTTP2_INVALID_SESSION' || code === 'ERR_HTTP2_OUT_OF_STREAMS') {
        this.draining = true;
        this.owner.redispatch(job);
      } else {
        exchange.fail(err as Error);
      }
      return;
    }
    if (this.active++ === 0) session.ref();
    this.started++;
    new H2StreamExchange(stream, session, this.socket!, exchange, body, canceller, this.onStreamClosed);
    const max = this.opts.maxRequestsPerConnection;
    if (max !== undefined && max > 0 && this.started >= max) this.retire();
  }

  private readonly onStreamClosed = (): void => {
    if (--this.active === 0) {
      if (this.draining) this.session?.close();
      else this.becameIdle();
    }
    if (!this.draining) this.owner.sessionHasRoom(this);
  };

  /**
   * Take no new streams and close gracefully once the open ones end. Not at once: a client's
   * GOAWAY makes nghttp2 refuse streams it has not sent yet, such as one opened this tick.
   */
  private retire(): void {
    this.draining = true;
    if (this.active === 0) this.session?.close();
  }

  /** No streams: let the process exit if this is all that is left, and start the idle clock. */
  private becameIdle(): void {
    if (this.closed || this.draining) return;
    this.session?.unref();
    const timeout = this.opts.idleTimeoutMs;
    if (timeout <= 0) return;
    this.idleSince = Date.now();
    // One timer per idle stretch, re-armed lazily, rather than one per request.
    this.idleTimer ??= setTimeout(this.onIdleTimer, timeout).unref();
  }

  private readonly onIdleTimer = (): void => {
    this.idleTimer = undefined;
    if (this.closed || this.draining || this.active > 0) return;
    const left = this.idleSince + this.opts.idleTimeoutMs - Date.now();
    if (left > 0) {
      this.idleTimer = setTimeout(this.onIdleTimer, left).unref();
      return;
    }
    this.retire();
  };

  private failWaiting(err: UpstreamError): void {
    const jobs = this.waiting;
    this.waiting = [];
    for (const job of jobs) job.exchange.fail(err);
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.draining = true;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.resolveClosed();
    this.owner.sessionClosed(this);
  }
}
