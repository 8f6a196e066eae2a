import { request, type Dispatcher } from 'undici';

/** What one upstream call produced: a parsed JSON answer, or why there is none. */
export type UpstreamResult =
  | { readonly ok: true; readonly status: number; readonly body: unknown; readonly attempts: number }
  | { readonly ok: false; readonly status?: number; readonly body?: unknown; readonly reason: string; readonly attempts: number };

/** How to call an upstream. */
export interface UpstreamCallOptions {
  readonly dispatcher: Dispatcher;
  /** Headers to send (the propagated ones). */
  readonly headers: Record<string, string>;
  /** Limit for each attempt, from sending to the whole body read. */
  readonly timeoutMs: number;
  /** Total attempts; Bookinfo's productpage tries reviews twice. */
  readonly attempts?: number;
  /** Called with a one-line description of each failed attempt (debug logging). */
  readonly onFailure?: (line: string) => void;
}

const MAX_BODY_BYTES = 1 << 20;

/**
 * GETs `url` and parses its JSON answer. Any non-2xx status, timeout, connection error or
 * unparsable body counts as a failed attempt and is retried while attempts remain, the way
 * Bookinfo's productpage treats anything but a 200 as "try once more".
 */
export async function getUpstreamJson(url: string, options: UpstreamCallOptions): Promise<UpstreamResult> {
  const attempts = Math.max(1, options.attempts ?? 1);
  let last: UpstreamResult = { ok: false, reason: 'not attempted', attempts: 0 };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    last = await attemptOnce(url, options, attempt);
    if (last.ok) return last;
    options.onFailure?.(`GET ${url} attempt ${attempt}/${attempts}: ${last.reason}`);
  }
  return last;
}

async function attemptOnce(url: string, options: UpstreamCallOptions, attempt: number): Promise<UpstreamResult> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const res = await request(url, { method: 'GET', headers: { accept: 'application/json', ...options.headers }, dispatcher: options.dispatcher, signal });
    const text = await readLimited(res.body);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return { ok: false, status: res.statusCode, reason: `status ${res.statusCode} with a body that is not JSON`, attempts: attempt };
    }
    if (res.statusCode < 200 || res.statusCode > 299) return { ok: false, status: res.statusCode, body, reason: `status ${res.statusCode}`, attempts: attempt };
    return { ok: true, status: res.statusCode, body, attempts: attempt };
  } catch (err) {
    const reason = signal.aborted ? `timed out after ${options.timeoutMs} ms` : (err as Error).message || String(err);
    return { ok: false, reason, attempts: attempt };
  }
}

// A misbehaving upstream must not make a demo service buffer without bound.
async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw new Error(`answer larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
