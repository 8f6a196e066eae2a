import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { OutlierDetector } from './outlier-detector.js';
import type { UpstreamHttpRequest, UpstreamHttpResponse } from './upstream-http-types.js';
import { UpstreamError, type UpstreamResponseFlag } from './upstream-error.js';
import type { UpstreamHost } from './upstream-host.js';

/** Shared empty trailers, so responses without trailers allocate nothing for them. */
export const NO_TRAILERS: IncomingHttpHeaders = Object.freeze({}) as IncomingHttpHeaders;

/**
 * How an exchange steers whatever carries it on the wire: an HTTP/2 stream, or undici's
 * dispatch controller for HTTP/1.1 (whose `abort`/`pause`/`resume` have this shape).
 */
export interface ExchangeTransport {
  /** Cancel the request on the wire (RST_STREAM CANCEL; an HTTP/1.1 connection is closed). */
  abort(reason: UpstreamError): void;
  /** Stop delivering response data until {@link resume}. */
  pause(): void;
  resume(): void;
}

/**
 * One request/response exchange with an upstream, whatever the protocol. It owns the accounting
 * (pending and active requests for the circuit breaker, the host's active count for
 * LEAST_REQUEST), the per-try timeout and abort, outlier reporting, and shapes the transport's
 * events into an {@link UpstreamHttpResponse} whose body is a Readable with backpressure (it
 * pauses the transport when the reader falls behind). Transports (the undici handler for
 * HTTP/1.1, the HTTP/2 stream exchange) only translate their events into {@link start},
 * {@link respond}, {@link data}, {@link end} and {@link fail}.
 */
export class UpstreamExchange {
  readonly promise: Promise<UpstreamHttpResponse>;
  private resolve!: (r: UpstreamHttpResponse) => void;
  private reject!: (e: Error) => void;
  private transport: ExchangeTransport | undefined;
  private body: Readable | undefined;
  private resolveTrailers: ((t: IncomingHttpHeaders) => void) | undefined;
  private trailers: IncomingHttpHeaders = NO_TRAILERS;
  private timer: NodeJS.Timeout | undefined;
  private pending = true;
  private finished = false;
  /** Why the exchange was cancelled, for a transport that picks it up afterwards. */
  private cancelReason: UpstreamError | undefined;
  private readonly onAbort: (() => void) | undefined;
  /** Called once when the exchange ends, to free its connection slot in the pool. */
  release: (() => void) | undefined;

  constructor(
    private readonly req: UpstreamHttpRequest,
    readonly host: UpstreamHost,
    private readonly breaker: CircuitBreaker,
    private readonly outlier: OutlierDetector | undefined,
  ) {
    this.promise = new Promise<UpstreamHttpResponse>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    breaker.requests++;
    breaker.pending++;
    host.activeRequests++;
    const timeout = req.timeoutMs;
    if (timeout !== undefined && timeout > 0) {
      this.timer = setTimeout(() => this.cancel(new UpstreamError('UT', 'per_try_timeout', `upstream ${host.key} did not answer within ${timeout} ms`, { host })), timeout);
    }
    const signal = req.signal;
    if (signal !== undefined) {
      this.onAbort = () => this.cancel(new UpstreamError('DC', 'downstream_reset', 'request aborted by downstream', { host }));
      if (signal.aborted) this.onAbort();
      else signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** True once the exchange completed, failed or was cancelled; transports then leave it alone. */
  get done(): boolean {
    return this.finished;
  }

  /**
   * Abort the exchange from our side (timeout, downstream reset, a failing request body): the
   * transport, if any, resets the request, and the caller sees `reason` at once.
   */
  cancel(reason: UpstreamError): void {
    if (this.finished) return;
    this.cancelReason = reason;
    this.transport?.abort(reason);
    this.fail(reason);
  }

  /** The request is on a connection: no longer pending, and cancellable there. */
  start(transport: ExchangeTransport): void {
    if (this.finished) {
      // Cancelled while it waited for a connection.
      transport.abort(this.cancelReason ?? new UpstreamError('DC', 'downstream_reset', 'request cancelled', { host: this.host }));
      return;
    }
    this.transport = transport;
    if (this.pending) {
      this.pending = false;
      this.breaker.pending--;
    }
  }

  /** Final response headers arrived (1xx are ignored). */
  respond(statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200 || this.finished || this.body !== undefined) return;
    this.outlier?.reportStatus(this.host, statusCode);
    const body = new Readable({
      highWaterMark: 64 * 1024,
      read: () => this.transport?.resume(),
      destroy: (err, cb) => {
        // The reader went away before the end: reset the upstream request.
        if (!this.finished) this.cancel(err instanceof UpstreamError ? err : new UpstreamError('DC', 'downstream_reset', 'response body destroyed', { host: this.host, cause: err ?? undefined }));
        else this.resolveTrailers?.(this.trailers);
        cb(err);
      },
    });
    this.body = body;
    const trailers = new Promise<IncomingHttpHeaders>((res) => {
      this.resolveTrailers = res;
    });
    // Trailers are reported once the reader has had every byte, never before.
    body.once('end', () => this.resolveTrailers?.(this.trailers));
    this.resolve({ status: statusCode, headers, body, trailers, endpoint: this.host });
  }

  /** A piece of the response body; pauses the transport while the reader is behind. */
  data(chunk: Buffer): void {
    if (this.body !== undefined && !this.finished && !this.body.push(chunk)) this.transport?.pause();
  }

  /** The response is complete: every body byte has been handed to {@link data}. */
  end(trailers: IncomingHttpHeaders): void {
    if (this.finished) return;
    const body = this.body;
    this.finish();
    if (body === undefined) {
      this.reject(new UpstreamError('UPE', 'no_response', `upstream ${this.host.key} ended without a response`, { host: this.host }));
      return;
    }
    this.trailers = trailers;
    body.push(null);
  }

  /** The exchange failed; `error` is mapped to an UpstreamError unless it already is one. */
  fail(error: Error): void {
    if (this.finished) return;
    const err = this.toUpstreamError(error);
    if (err.flag === 'UT') this.outlier?.reportLocalFailure(this.host, 'timeout');
    else if (err.flag === 'UC' || err.flag === 'UR') this.outlier?.reportLocalFailure(this.host, 'reset');
    const body = this.body;
    this.finish();
    if (body === undefined) {
      this.reject(err);
    } else {
      body.destroy(err);
      this.resolveTrailers?.(NO_TRAILERS);
    }
  }

  private finish(): void {
    this.finished = true;
    if (this.pending) {
      this.pending = false;
      this.breaker.pending--;
    }
    this.breaker.requests--;
    this.host.activeRequests--;
    this.release?.();
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.onAbort !== undefined) this.req.signal?.removeEventListener('abort', this.onAbort);
  }

  /** One mapping for both transports' errors (undici's codes and node:http2's). */
  private toUpstreamError(error: Error): UpstreamError {
    const host = this.host;
    if (error instanceof UpstreamError) return error.onHost(host);
    const reqBody = this.req.body;
    if (reqBody?.destroyed === true && reqBody.errored !== null) {
      return new UpstreamError('DC', 'downstream_reset', 'request body failed', { cause: error, host });
    }
    const code = (error as NodeJS.ErrnoException).code ?? '';
    let flag: UpstreamResponseFlag = 'UC';
    let reason = 'upstream_connection_termination';
    if (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'ERR_HTTP2_PROTOCOL_ERROR') {
      flag = 'UPE';
      reason = 'upstream_protocol_error';
    } else if (code === 'UND_ERR_INFO' || code === 'ERR_HTTP2_STREAM_ERROR' || code === 'UND_ERR_ABORTED') {
      flag = 'UR';
      reason = 'upstream_reset';
    }
    return new UpstreamError(flag, reason, `upstream ${host.key}: ${error.message}`, { cause: error, host });
  }
}
