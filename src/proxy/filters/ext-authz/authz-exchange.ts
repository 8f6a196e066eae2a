import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { HttpUpstream } from '../../http/upstream-port.js';
import { AbortedError, CancelSignal, raceAbort } from '../../router/abortable.js';
import type { AbortLike, PickContext } from '../../upstream/upstream-http-types.js';

/** A whole response from the authorization server. */
export interface AuthzResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly trailers: IncomingHttpHeaders;
}

/** One request to the authorization server's cluster. */
export interface AuthzRequest {
  readonly cluster: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  readonly body?: Buffer;
  /** The whole exchange, body included, must end within this; 0: no limit. */
  readonly timeoutMs: number;
  /** Larger answers are an error (they would be held in memory). */
  readonly maxResponseBytes: number;
}

/**
 * Sends one buffered request through the proxy's own upstream layer (so the authorization
 * cluster gets the same endpoints, load balancing, circuit breakers and mTLS as any other
 * cluster) and reads the whole answer. Resolves with the response or a short error reason;
 * never rejects. The timeout covers connecting, the headers and the body, like Envoy's.
 */
export async function authzExchange(upstream: HttpUpstream, req: AuthzRequest, pick: PickContext, downstream: AbortLike): Promise<AuthzResponse | { readonly error: string }> {
  const cancel = new CancelSignal();
  let timedOut = false;
  const timer =
    req.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          cancel.abort();
        }, req.timeoutMs)
      : undefined;
  const onGone = (): void => cancel.abort();
  downstream.addEventListener('abort', onGone, { once: true });
  const why = (err: unknown): string => {
    if (timedOut) return 'timeout';
    if (downstream.aborted) return 'downstream_gone';
    const e = err as { flag?: unknown; reason?: unknown; message?: unknown };
    if (typeof e?.flag === 'string') return `${e.flag}${typeof e.reason === 'string' ? ` ${e.reason}` : ''}`;
    return err instanceof AbortedError ? 'cancelled' : String(e?.message ?? err);
  };
  try {
    if (cancel.aborted) return { error: why(undefined) };
    const pending = upstream.request(
      req.cluster,
      {
        method: req.method,
        path: req.path,
        headers: req.headers,
        body: req.body && req.body.length > 0 ? Readable.from([req.body]) : null,
        timeoutMs: req.timeoutMs || undefined,
        signal: cancel,
      },
      pick,
    );
    const res = await raceAbort(pending, cancel, (late) => late.body.destroy());
    const body = await readAll(res.body, req.maxResponseBytes, cancel);
    if (typeof body === 'string') return { error: cancel.aborted ? why(undefined) : body };
    const trailers = await res.trailers;
    return { status: res.status, headers: res.headers, body, trailers };
  } catch (err) {
    return { error: why(err) };
  } finally {
    if (timer) clearTimeout(timer);
    downstream.removeEventListener('abort', onGone);
  }
}

/** The body as one buffer, or an error reason. */
function readAll(body: Readable, limit: number, cancel: CancelSignal): Promise<Buffer | string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const done = (v: Buffer | string): void => {
      if (settled) return;
      settled = true;
      cancel.removeEventListener('abort', onCancel);
      resolve(v);
    };
    const onCancel = (): void => {
      body.destroy();
      done('cancelled');
    };
    cancel.addEventListener('abort', onCancel);
    body.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        body.destroy();
        done(`response larger than ${limit} bytes`);
        return;
      }
      chunks.push(c);
    });
    body.once('end', () => done(Buffer.concat(chunks)));
    body.once('error', (err: unknown) => done(`body: ${(err as { flag?: string; message?: string }).flag ?? (err as Error).message}`));
  });
}
