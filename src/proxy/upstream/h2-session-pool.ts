import { H2Session, type H2Job, type H2SessionOptions, type H2SessionOwner } from './h2-session.js';
import type { PooledRequest } from './http-pool.js';
import { UpstreamError } from './upstream-error.js';
import type { UpstreamExchange } from './upstream-exchange.js';

/** How many HTTP/2 sessions one host may have at once, on top of what each session needs. */
export interface H2SessionPoolOptions extends H2SessionOptions {
  readonly maxConnections: number;
}

/**
 * The HTTP/2 connections to one host: normally one session multiplexing every request; another
 * opens when the open ones are full (our `maxConcurrentStreams` or the peer's limit), used up
 * (`maxRequestsPerConnection`) or going away (GOAWAY, idle close). Past `maxConnections`
 * sessions, requests queue here (still pending for the circuit breaker) until a stream closes.
 */
export class H2SessionPool implements H2SessionOwner {
  private readonly sessions: H2Session[] = [];
  private queue: H2Job[] = [];
  private pumping = false;
  private draining = false;
  private destroyed = false;
  private drained: Promise<void> | undefined;
  private resolveDrained: (() => void) | undefined;
  /** Unknown until a session hears the peer's SETTINGS; until then our own limit applies. */
  peerStreamLimit = Number.POSITIVE_INFINITY;

  constructor(private readonly opts: H2SessionPoolOptions) {}

  dispatch(request: PooledRequest, exchange: UpstreamExchange): void {
    const job: H2Job = { request, exchange };
    if (this.destroyed) {
      exchange.fail(new UpstreamError('UC', 'upstream_connection_termination', 'connection pool destroyed', { host: exchange.host }));
      return;
    }
    // While draining, everything goes through pump(), which drains what it opens.
    if (this.queue.length === 0 && !this.draining) {
      const session = this.choose();
      if (session !== undefined) {
        session.dispatch(job);
        return;
      }
    }
    this.queue.push(job);
    if (this.draining) this.pump();
  }

  /** Stop taking new requests; queued and in-flight ones finish, then the sessions close. */
  drain(): Promise<void> {
    if (this.drained === undefined) {
      this.draining = true;
      this.drained = new Promise((r) => (this.resolveDrained = r));
      this.pump();
      this.settleDrain();
    }
    return this.drained;
  }

  /** Close every session now, failing whatever is queued or in flight. */
  destroy(): Promise<void> {
    this.destroyed = true;
    const queued = this.queue;
    this.queue = [];
    for (const job of queued) job.exchange.fail(new UpstreamError('UC', 'upstream_connection_termination', 'connection pool destroyed'));
    return Promise.all(this.sessions.map((s) => s.destroy())).then(() => undefined);
  }

  sessionHasRoom(): void {
    if (this.queue.length > 0) this.pump();
  }

  sessionClosed(session: H2Session): void {
    const i = this.sessions.indexOf(session);
    if (i >= 0) this.sessions.splice(i, 1);
    this.pump();
    this.settleDrain();
  }

  redispatch(job: H2Job): void {
    this.queue.unshift(job);
    this.pump();
  }

  /** A session with room, or a new one if the host may have another; undefined: queue. */
  private choose(): H2Session | undefined {
    const sessions = this.sessions;
    for (let i = 0; i < sessions.length; i++) if (sessions[i].room > 0) return sessions[i];
    if (this.destroyed || sessions.length >= Math.max(1, this.opts.maxConnections)) return undefined;
    const session = new H2Session(this.opts, this);
    sessions.push(session);
    return session;
  }

  /** Hand queued jobs to sessions while any has room; re-entrant calls fold into the running loop. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const job = this.queue[0];
        if (job.exchange.done) {
          // Timed out or aborted while queued.
          this.queue.shift();
          continue;
        }
        const session = this.choose();
        if (session === undefined) break;
        this.queue.shift();
        session.dispatch(job);
      }
    } finally {
      this.pumping = false;
    }
    // Draining sessions take no streams, so they are drained only once nothing is queued.
    if (this.draining && this.queue.length === 0) for (const s of [...this.sessions]) void s.drain();
  }

  private settleDrain(): void {
    if (this.draining && this.sessions.length === 0 && this.queue.length === 0) this.resolveDrained?.();
  }
}
