import { PassThrough, type Readable } from 'node:stream';
import type { DownstreamExchange } from '../../http/downstream-exchange.js';
import { getHeader, type HeaderMap } from '../../http/header-map.js';
import type { BufferSettings } from './config.js';

/** The buffered start of a request body, for the check request. */
export interface BufferedBody {
  readonly bytes: Buffer;
  readonly partial: boolean;
}

/** Whether the request has a body at all (same test as the router's). */
export function requestHasBody(exchange: DownstreamExchange, headers: HeaderMap, protocol: string): boolean {
  const req = exchange.req as { stream?: { endAfterHeaders?: boolean } };
  if (protocol === 'HTTP/2') return req.stream?.endAfterHeaders !== true;
  if (getHeader(exchange.req.headers as HeaderMap, 'transfer-encoding') !== undefined) return true;
  const cl = getHeader(headers, 'content-length');
  return cl !== undefined && cl.trim() !== '0';
}

/**
 * Buffers the request body for the check (Envoy's `with_request_body`): until it ends, or up
 * to `max_request_bytes` — past that, `too-large` (Envoy's 413) unless partial messages are
 * allowed. The bytes read are not lost: the exchange's body is replaced by a stream that
 * replays them and then passes on the rest of the request, so the router forwards the whole
 * body with backpressure as before. Resolves `gone` when the downstream left meanwhile.
 */
export function bufferRequestBody(exchange: DownstreamExchange, settings: BufferSettings): Promise<BufferedBody | 'too-large' | 'gone'> {
  const source = exchange.body;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (ended: boolean, failed: boolean): void => {
      if (settled) return;
      settled = true;
      source.pause();
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onFail);
      source.off('close', onClose);
      replaceBody(exchange, source, chunks, ended);
      if (failed) return resolve('gone');
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (size > settings.maxRequestBytes && !settings.allowPartialMessage) return resolve('too-large');
      const partial = !ended || size > settings.maxRequestBytes;
      resolve({ bytes: all.length > settings.maxRequestBytes ? all.subarray(0, settings.maxRequestBytes) : all, partial });
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      // Partial: stop at the limit; whole: read one byte past it to know it is too large.
      if (settings.allowPartialMessage ? size >= settings.maxRequestBytes : size > settings.maxRequestBytes) finish(false, false);
    };
    const onEnd = (): void => finish(true, false);
    const onFail = (): void => finish(false, true);
    const onClose = (): void => finish(false, true);
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onFail);
    source.once('close', onClose);
  });
}

/** Puts the read chunks back in front of the rest of the body, for the router to send. */
function replaceBody(exchange: DownstreamExchange, source: Readable, chunks: readonly Buffer[], ended: boolean): void {
  const replay = new PassThrough();
  for (const c of chunks) replay.write(c);
  if (ended) replay.end();
  else {
    source.once('error', (err) => replay.destroy(err));
    source.once('close', () => {
      if (!source.readableEnded) replay.destroy(new Error('downstream closed before the request body ended'));
    });
    source.pipe(replay);
  }
  exchange.replaceBody(replay);
}
