import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { encodeGrpcMessage, grpcStatusForHttp, isGrpcRequest } from '../errors/grpc-status.js';
import type { LocalReply } from '../errors/local-reply.js';
import { formatResponseFlags } from '../errors/response-flags.js';
import { CancelSignal } from '../router/abortable.js';
import type { AbortLike } from '../upstream/upstream-http-types.js';
import { getHeader, type HeaderMap } from './header-map.js';
import { stripHopByHop } from './hop-by-hop.js';
import { elapsedMs, type RequestRecord } from './request-record.js';

/** The response header carrying the request's response flags, like Envoy's `%RESPONSE_FLAGS%`. */
export const RESPONSE_FLAGS_HEADER = 'x-plexus-response-flags';

/** A hook that sees response headers before they are written (filters' encodeHeaders). */
export type EncodeHook = (status: number, headers: HeaderMap) => void;

/** An HTTP/1.1 upgrade request: the raw socket and the bytes read past its headers. */
export interface UpgradeRequest {
  readonly type: string;
  readonly socket: Socket;
  readonly head: Buffer;
}

/**
 * One downstream request/response, the same for HTTP/1.1 and HTTP/2: writes headers (running
 * the filters' encode hooks and adding the response-flags header), streams a body with
 * backpressure, sends trailers, makes local replies (gRPC-shaped for gRPC requests), and
 * resets the stream when a response cannot be completed. It never throws on a closed peer.
 */
export class DownstreamExchange {
  readonly isGrpc: boolean;
  private readonly hooks: EncodeHook[] = [];
  /** Fires when the downstream goes away (or the exchange is over); cheap, for the request path. */
  private readonly gone = new CancelSignal();
  /** A real AbortSignal for filters that ask for one (see `signal`), made on first use. */
  private abortController: AbortController | undefined;
  /** HTTP/1.1 headers written by sendHeaders but not yet flushed (they go with the first body bytes). */
  private headersUnflushed = false;
  private finished = false;
  private resetByProxy = false;
  /** Trailers-Only gRPC headers set on the response, to be sent by end() (see sendHeaders). */
  private headersStaged = false;
  /** A body a filter read and put back (see replaceBody); undefined: the request stream itself. */
  private replacedBody: Readable | undefined = undefined;

  constructor(
    readonly req: IncomingMessage | Http2ServerRequest,
    private readonly res: ServerResponse | Http2ServerResponse,
    readonly record: RequestRecord,
    /** Request headers (hop-by-hop already stripped, except on upgrades). */
    readonly headers: HeaderMap,
    readonly scheme: string,
    private readonly log: Logger,
    private readonly opts: { readonly serverName?: string; readonly upgrade?: UpgradeRequest; readonly onComplete: (record: RequestRecord) => void },
  ) {
    this.isGrpc = isGrpcRequest(getHeader(headers, 'content-type'));
    res.on('error', (err) => this.log.debug({ err }, 'downstream response error'));
    req.on('error', (err) => this.log.debug({ err }, 'downstream request error'));
    res.on('close', () => this.onClose());
  }

  /** Aborted when the downstream goes away before the response completed. */
  get signal(): AbortSignal {
    let c = this.abortController;
    if (c === undefined) {
      c = this.abortController = new AbortController();
      if (this.gone.aborted) c.abort();
    }
    return c.signal;
  }

  /** The same event as `signal`, without an AbortController per request (the router listens here). */
  get downstreamGone(): AbortLike {
    return this.gone;
  }

  /** The request body stream: the request itself, or what a filter put in its place. */
  get body(): Readable {
    return this.replacedBody ?? this.req;
  }

  /**
   * For filters that read (part of) the body before the router: the stream given here is what
   * the router then sends upstream. It must yield the whole body, the bytes already read first.
   */
  replaceBody(body: Readable): void {
    this.replacedBody = body;
  }

  /** Present when this is an HTTP/1.1 upgrade (WebSocket) request. */
  get upgrade(): UpgradeRequest | undefined {
    return this.opts.upgrade;
  }

  get responseStarted(): boolean {
    return this.res.headersSent || this.headersStaged;
  }

  /** True once the downstream is gone or the response was completed or reset. */
  get done(): boolean {
    return this.finished || this.gone.aborted || this.resetByProxy;
  }

  /** Malformed requests end their HTTP/1.1 connection after the reply, as Envoy does. */
  closeConnectionAfterResponse(): void {
    if ('shouldKeepAlive' in this.res) this.res.shouldKeepAlive = false;
  }

  /** Registers a filter's response-header hook; hooks run last-registered first (encoder order). */
  addEncodeHook(hook: EncodeHook): void {
    this.hooks.unshift(hook);
  }

  /**
   * Writes the response status and headers. Returns false (after resetting) when they cannot
   * be sent: the downstream is gone, or the headers are invalid for the protocol.
   */
  sendHeaders(status: number, headers: HeaderMap): boolean {
    if (this.done || this.responseStarted) return false;
    stripHopByHop(headers);
    for (const hook of this.hooks) {
      try {
        hook(status, headers);
      } catch (err) {
        this.log.error({ err }, 'response header hook failed');
      }
    }
    if (this.opts.serverName) headers['server'] = this.opts.serverName;
    if (this.record.flags.size > 0) headers[RESPONSE_FLAGS_HEADER] = formatResponseFlags(this.record.flags);
    const grpcStatus = getHeader(headers, 'grpc-status');
    if (grpcStatus !== undefined) this.record.grpcStatus = Number(grpcStatus);
    try {
      if (this.isGrpc && grpcStatus !== undefined && 'stream' in this.res) {
        // gRPC's Trailers-Only form (grpc-status in the headers) must be one HEADERS frame with
        // END_STREAM: gRPC clients ignore a status in headers that an empty DATA frame ends.
        // writeHead would send the headers at once, so stage them; end() sends them, ending the stream.
        const res = this.res;
        res.statusCode = status;
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        this.headersStaged = true;
      } else {
        this.res.writeHead(status, headers);
        // Not flushed here: a body that is already buffered (small responses arrive with their
        // headers) then leaves in the same write and, over TLS, the same record. streamBody
        // flushes at once when the body has not started, so the client still sees the headers
        // before the first body byte arrives upstream; end() sends them with a local reply.
        this.headersUnflushed = 'flushHeaders' in this.res && this.req.method !== 'HEAD';
      }
    } catch (err) {
      this.log.warn({ err, status }, 'response headers rejected by the downstream codec');
      this.reset();
      return false;
    }
    this.record.status = status;
    this.record.responseStartMs ??= elapsedMs(this.record);
    return true;
  }

  /**
   * Streams `body` to the downstream with backpressure, then ends the response with the
   * trailers `trailers` resolves to. Resolves true when the response completed; false when
   * either side failed (the downstream is then reset).
   */
  async streamBody(body: Readable, trailers?: Promise<HeaderMap | undefined>): Promise<boolean> {
    const res = this.res;
    if (this.headersUnflushed) {
      this.headersUnflushed = false;
      if (body.readableLength === 0 && !this.done) {
        try {
          (res as ServerResponse).flushHeaders();
        } catch (err) {
          this.log.debug({ err }, 'flushing downstream headers failed');
        }
      }
    }
    const ok = await new Promise<boolean>((resolve) => {
      let settled = false;
      const settle = (value: boolean): void => {
        if (settled) return;
        settled = true;
        body.off('data', onData);
        body.off('end', onEnd);
        body.off('error', onError);
        res.off('drain', onDrain);
        this.gone.removeEventListener('abort', onGone);
        resolve(value);
      };
      const onData = (chunk: Buffer): void => {
        this.record.bytesSent += chunk.length;
        if (!(res as ServerResponse).write(chunk)) body.pause();
      };
      const onDrain = (): void => {
        body.resume();
      };
      const onEnd = (): void => settle(true);
      const onError = (): void => settle(false);
      const onGone = (): void => {
        body.destroy();
        settle(false);
      };
      if (this.done) return settle(false);
      body.on('data', onData);
      body.once('end', onEnd);
      body.once('error', onError);
      res.on('drain', onDrain);
      this.gone.addEventListener('abort', onGone);
    });
    if (!ok) {
      if (!this.gone.aborted) this.reset();
      return false;
    }
    const t = trailers ? await trailers : undefined;
    if (t && Object.keys(t).length > 0) {
      const grpcStatus = getHeader(t, 'grpc-status');
      if (grpcStatus !== undefined) this.record.grpcStatus = Number(grpcStatus);
      try {
        res.addTrailers(t as Record<string, string>);
      } catch (err) {
        this.log.debug({ err }, 'response trailers rejected');
      }
    }
    this.end();
    return true;
  }

  /** Ends the response, optionally with a final body chunk. */
  end(body?: string | Buffer): void {
    if (this.done) return;
    if (body !== undefined && body.length > 0) this.record.bytesSent += typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    try {
      if (body !== undefined && body.length > 0) (this.res as ServerResponse).end(body);
      else (this.res as ServerResponse).end();
    } catch (err) {
      this.log.debug({ err }, 'ending downstream response failed');
      this.reset();
    }
  }

  /**
   * Answers the request locally (Envoy's sendLocalReply). gRPC requests get a trailers-only
   * response with the mapped grpc-status. If the response already started, the stream is reset.
   */
  sendLocalReply(reply: LocalReply, extraHeaders: HeaderMap = {}): void {
    if (reply.flag) this.record.flags.add(reply.flag);
    this.record.responseCodeDetails ??= reply.details;
    if (this.done) return;
    if (this.responseStarted || reply.status === 0) {
      this.reset();
      return;
    }
    const headers: HeaderMap = { ...extraHeaders, ...(reply.headers ?? {}) };
    if (this.isGrpc) {
      headers['content-type'] = 'application/grpc';
      if (headers['grpc-status'] === undefined) headers['grpc-status'] = String(grpcStatusForHttp(reply.status));
      const message = reply.body || reply.details;
      if (headers['grpc-message'] === undefined && message) headers['grpc-message'] = encodeGrpcMessage(message);
      headers['content-length'] = '0';
      if (this.sendHeaders(200, headers)) this.end();
      return;
    }
    if (reply.body) headers['content-type'] ??= 'text/plain';
    headers['content-length'] = String(Buffer.byteLength(reply.body));
    if (this.sendHeaders(reply.status, headers)) this.end(this.req.method === 'HEAD' ? undefined : reply.body);
  }

  /**
   * Hands the connection to a tunnel (upgrades): the exchange stops tracking the response and
   * the caller reports completion by calling the returned function once the tunnel closes.
   */
  takeOver(): () => void {
    this.finished = true;
    let reported = false;
    return () => {
      if (reported) return;
      reported = true;
      this.markGone();
      this.record.durationMs = elapsedMs(this.record);
      try {
        this.opts.onComplete(this.record);
      } catch (err) {
        this.log.error({ err }, 'request completion hook failed');
      }
    };
  }

  /** Abandons the response: RST_STREAM on HTTP/2, connection close on HTTP/1.1. */
  reset(): void {
    if (this.finished || this.resetByProxy) return;
    this.resetByProxy = true;
    const res = this.res as Http2ServerResponse & ServerResponse;
    try {
      if ('stream' in res && res.stream) res.stream.close(0x2 /* INTERNAL_ERROR */);
      else res.destroy();
    } catch (err) {
      this.log.debug({ err }, 'resetting downstream failed');
    }
  }

  private markGone(): void {
    try {
      this.gone.abort();
    } catch (err) {
      this.log.error({ err }, 'downstream-gone listener failed');
    }
    this.abortController?.abort();
  }

  private onClose(): void {
    if (this.finished) return;
    this.finished = true;
    const completed = (this.res as ServerResponse).writableFinished;
    if (!completed && !this.resetByProxy) {
      // The client left first: Envoy's DC, and whatever is upstream gets cancelled.
      this.record.flags.add('DC');
      this.record.responseCodeDetails ??= 'downstream_remote_disconnect';
    }
    if (!this.res.headersSent) this.record.status = 0;
    this.markGone();
    this.record.durationMs = elapsedMs(this.record);
    try {
      this.opts.onComplete(this.record);
    } catch (err) {
      this.log.error({ err }, 'request completion hook failed');
    }
  }
}
