import type { IncomingHttpHeaders } from 'node:http';
import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders as H2IncomingHeaders, type OutgoingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { PooledRequest } from './http-pool.js';
import { UpstreamError } from './upstream-error.js';
import { NO_TRAILERS, type ExchangeTransport, type UpstreamExchange } from './upstream-exchange.js';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_PROTOCOL_ERROR, NGHTTP2_REFUSED_STREAM } = constants;
const COLON = 58;

/**
 * One request on one HTTP/2 stream, reported to its {@link UpstreamExchange}; the exchange
 * steers the stream through this object (pause/resume for backpressure, abort = RST_STREAM
 * CANCEL). The response ends on the stream's 'end', which comes only after every DATA byte has
 * been read: node emits 'trailers' as soon as the frame arrives, possibly while DATA is still
 * buffered behind a paused reader, so trailers are only remembered there.
 */
export class H2StreamExchange implements ExchangeTransport {
  private trailers: IncomingHttpHeaders = NO_TRAILERS;
  private sawTrailers = false;

  constructor(
    private readonly stream: ClientHttp2Stream,
    /** The session and its connection, to tell a lost connection from a reset stream. */
    private readonly session: ClientHttp2Session,
    private readonly socket: Socket,
    private readonly exchange: UpstreamExchange,
    private readonly body: Readable | null,
    /** The stream's `signal` option, for requests with a body (see {@link abort}). */
    private readonly canceller: AbortController | undefined,
    /** Frees the stream's slot on its session. */
    private readonly onClosed: () => void,
  ) {
    stream.once('response', this.onResponse);
    stream.once('trailers', this.onTrailers);
    stream.once('end', this.onEnd);
    stream.on('error', this.onError);
    stream.once('close', this.onClose);
    exchange.start(this);
    if (body !== null && !exchange.done) {
      body.on('error', this.onBodyError);
      // pipe() waits for 'drain', so the request body is read only as fast as the peer's window allows.
      body.pipe(stream);
    }
  }

  abort(): void {
    const stream = this.stream;
    if (stream.closed) return;
    // close() on a stream still sending its request would first send END_STREAM, making a cut-off
    // request look complete; aborting the stream's signal resets it (CANCEL) without that.
    if (this.canceller !== undefined && !stream.writableEnded) this.canceller.abort();
    else stream.close(NGHTTP2_CANCEL);
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  private readonly onResponse = (headers: H2IncomingHeaders): void => {
    const plain: IncomingHttpHeaders = {};
    for (const name in headers) if (name.charCodeAt(0) !== COLON) plain[name] = headers[name];
    this.exchange.respond(Number(headers[':status']), plain);
    this.stream.on('data', this.onData);
  };

  private readonly onData = (chunk: Buffer): void => {
    this.exchange.data(chunk);
  };

  private readonly onTrailers = (trailers: H2IncomingHeaders): void => {
    const plain: IncomingHttpHeaders = {};
    // Trailers carry no pseudo-headers; a malformed one must not reach the downstream codec.
    for (const name in trailers) if (name.charCodeAt(0) !== COLON) plain[name] = trailers[name];
    this.trailers = plain;
    this.sawTrailers = true;
  };

  private readonly onEnd = (): void => {
    // Node also ends the readable side when the stream is torn down under it (session destroyed,
    // connection lost): only END_STREAM completes a response. Trailers always carry it; without
    // them the stream must still be intact and not reset. (A peer's RST_STREAM NO_ERROR before
    // END_STREAM cannot be told from a clean end once the stream is gone; node reports both alike.)
    const stream = this.stream;
    if (this.sawTrailers || (!stream.destroyed && stream.rstCode === NGHTTP2_NO_ERROR)) this.exchange.end(this.trailers);
    else this.exchange.fail(this.closeError());
  };

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    this.exchange.fail(err.code === 'ERR_HTTP2_STREAM_ERROR' ? this.closeError() : err);
  };

  private readonly onClose = (): void => {
    // A bare close (RST_STREAM NO_ERROR or CANCEL from the peer, a lost session) before 'end'.
    if (!this.exchange.done) this.exchange.fail(this.closeError());
    const body = this.body;
    if (body !== null && !body.readableEnded) {
      // Nobody will send the rest; pipe() already let go of the closed stream.
      body.unpipe(this.stream);
      body.destroy();
    }
    this.onClosed();
  };

  private readonly onBodyError = (err: Error): void => {
    this.exchange.cancel(new UpstreamError('DC', 'downstream_reset', 'request body failed', { cause: err, host: this.exchange.host }));
    // Even after a complete response: the peer would otherwise wait for the rest of the request.
    this.abort();
  };

  /** Why the stream closed early, from its RST_STREAM code and the session's state. */
  private closeError(): UpstreamError {
    const host = this.exchange.host;
    const code = this.stream.rstCode ?? NGHTTP2_NO_ERROR;
    // Refused streams were not processed (also how GOAWAY reports streams past its last id): safe to retry.
    if (code === NGHTTP2_REFUSED_STREAM) return new UpstreamError('UR', 'remote_refused_stream_reset', `upstream ${host.key} refused the stream`, { host });
    if (this.session.destroyed || this.socket.destroyed) return new UpstreamError('UC', 'upstream_connection_termination', `connection to upstream ${host.key} closed`, { host });
    if (code === NGHTTP2_PROTOCOL_ERROR) return new UpstreamError('UPE', 'upstream_protocol_error', `upstream ${host.key}: stream closed with PROTOCOL_ERROR`, { host });
    return new UpstreamError('UR', 'upstream_reset', `upstream ${host.key} reset the stream (code ${code})`, { host });
  }
}

/** The request's HTTP/2 header block: `host` becomes `:authority`, repeated names become lists. */
export function h2RequestHeaders(req: PooledRequest, scheme: string, defaultAuthority: string): OutgoingHttpHeaders {
  const flat = req.headers;
  const out: OutgoingHttpHeaders = { ':method': req.method, ':scheme': scheme, ':authority': defaultAuthority, ':path': req.path };
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i].toLowerCase();
    const value = flat[i + 1];
    if (name === 'host') {
      out[':authority'] = value;
      continue;
    }
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [String(prev), value];
  }
  if (req.method === 'CONNECT') {
    // RFC 9113 §8.5: a CONNECT request carries only :method and :authority.
    delete out[':scheme'];
    delete out[':path'];
  }
  return out;
}
