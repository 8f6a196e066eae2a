import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { OutlierDetector } from './outlier-detector.js';
import type { UpstreamHttpRequest, UpstreamHttpResponse } from './upstream-http-types.js';
import { UpstreamError, type UpstreamResponseFlag } from './upstream-error.js';
import type { UpstreamHost } from './upstream-host.js';

const NO_TRAILERS: IncomingHttpHeaders = Object.freeze({}) as IncomingHttpHeaders;

/**
 * One request/response exchange with an upstream, as an undici dispatch handler. It owns the
 * accounting (pending and active requests for the circuit breaker, the host's active count for
 * LEAST_REQUEST), the per-try timeout and abort, outlier reporting, and turns undici's callbacks
 * into a response whose body is a Readable with backpressure (pause/resume on the socket).
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler {
  readonly promise: Promise<UpstreamHttpResponse>;
  private resolve!: (r: UpstreamHttpResponse) => void;
  private reject!: (e: Error) => void;
  private controller: Dispatcher.DispatchController | undefined;
  private body: Readable | undefined;
  private resolveTrailers: ((t: IncomingHttpHeaders) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pending = true;
  private finished = false;
  /** Set when the exchange was cancelled before undici started it. */
  private cancelReason: UpstreamError | undefined;
  private readonly onAbort: (() => void) | undefined;
  /** Called once when the exchange ends, to free its connection slot in the pool. */
  release: (() => void) | undefined;

  constructor(
    private readonly req: UpstreamHttpRequest,
    private readonly host: UpstreamHost,
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

  /** Abort the exchange from our side (timeout, downstream reset). */
  private cancel(reason: UpstreamError): void {
    if (this.finished) return;
    if (this.controller !== undefined) {
      this.controller.abort(reason);
      return;
    }
    // Not yet on a connection: fail now, and abort when undici gets to it.
    this.cancelReason = reason;
    this.fail(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.pending) {
      this.pending = false;
      this.breaker.pending--;
    }
    if (this.cancelReason !== undefined) controller.abort(this.cancelReason);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200 || this.finished) return;
    this.outlier?.reportStatus(this.host, statusCode);
    const body = new Readable({
      highWaterMark: 64 * 1024,
      read: () => controller.resume(),
      destroy: (err, cb) => {
        // The reader went away before the end: reset the upstream stream.
        if (!this.finished) controller.abort(err ?? new UpstreamError('DC', 'downstream_reset', 'response body destroyed', { host: this.host }));
        cb(err);
      },
    });
    this.body = body;
    const trailers = new Promise<IncomingHttpHeaders>((res) => {
      this.resolveTrailers = res;
    });
    this.resolve({ status: statusCode, headers, body, trailers, endpoint: this.host });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.body !== undefined && !this.body.push(chunk)) controller.pause();
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    const body = this.body;
    const resolveTrailers = this.resolveTrailers;
    this.finish();
    if (body === undefined) {
      this.reject(new UpstreamError('UPE', 'no_response', `upstream ${this.host.key} ended without a response`, { host: this.host }));
      return;
    }
    body.push(null);
    resolveTrailers?.(responseTrailers(controller, trailers));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(this.mapError(error));
  }

  private fail(err: UpstreamError): void {
    if (this.finished) return;
    err.onHost(this.host);
    if (err.flag === 'UT') this.outlier?.reportLocalFailure(this.host, 'timeout');
    else if (err.flag === 'UC' || err.flag === 'UR') this.outlier?.reportLocalFailure(this.host, 'reset');
    const body = this.body;
    const resolveTrailers = this.resolveTrailers;
    this.finish();
    if (body === undefined) {
      this.reject(err);
    } else {
      body.destroy(err);
      resolveTrailers?.(NO_TRAILERS);
    }
  }

  private finish(): void {
    if (this.finished) return;
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

  private mapError(error: Error): UpstreamError {
    if (error instanceof UpstreamError) return error.onHost(this.host);
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (this.req.body?.destroyed === true && this.req.body.errored !== null) {
      return new UpstreamError('DC', 'downstream_reset', 'request body failed', { cause: error, host: this.host });
    }
    let flag: UpstreamResponseFlag = 'UC';
    let reason = 'upstream_connection_termination';
    if (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'ERR_HTTP2_PROTOCOL_ERROR') {
      flag = 'UPE';
      reason = 'upstream_protocol_error';
    } else if (code === 'UND_ERR_INFO' || code === 'ERR_HTTP2_STREAM_ERROR' || code === 'UND_ERR_ABORTED') {
      flag = 'UR';
      reason = 'upstream_reset';
    }
    return new UpstreamError(flag, reason, `upstream ${this.host.key}: ${error.message}`, { cause: error, host: this.host });
  }
}

/**
 * The response trailers undici reported. HTTP/1.1 (chunked) trailers come as a raw
 * name/value list that undici's handler adapter parses into `parsed`. HTTP/2 trailers come
 * from node:http2 already as an object, which that adapter cannot parse (it hands over `{}`),
 * so they are read from the controller's `rawTrailers` instead.
 */
function responseTrailers(controller: Dispatcher.DispatchController | undefined, parsed: IncomingHttpHeaders | undefined): IncomingHttpHeaders {
  const raw = controller?.rawTrailers;
  if (raw !== null && raw !== undefined && !Array.isArray(raw)) {
    const out: IncomingHttpHeaders = {};
    for (const name of Object.keys(raw)) {
      // Trailers carry no pseudo-headers; a malformed one must not reach the downstream codec.
      if (name.startsWith(':')) continue;
      const value = raw[name];
      if (value !== undefined) out[name.toLowerCase()] = value;
    }
    return out;
  }
  return parsed !== undefined && Object.keys(parsed).length > 0 ? parsed : NO_TRAILERS;
}
