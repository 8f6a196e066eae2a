// Small clients for the proxy end-to-end tests: HTTP/1.1 requests with full control of the
// Host header and body, and raw socket exchanges for the malformed-traffic corpus.
import http from 'node:http';
import { connect, type Socket } from 'node:net';

/** The echo Service's HTTP authority, as an app in the mesh would send it. */
export const ECHO_HOST = 'echo.default.svc.cluster.local:9080';

/** One response. */
export interface HttpResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The echo app's JSON, when the body is one. */
  readonly echo?: { instance: string; method: string; url: string; headers: Record<string, string>; body: string };
}

/** Options of {@link httpRequest}. */
export interface HttpRequestOptions {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly agent?: http.Agent | false;
  readonly timeoutMs?: number;
}

/** An HTTP/1.1 request to a forwarded port, Host `echo…:9080` unless told otherwise. */
export function httpRequest(port: number, o: HttpRequestOptions = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path ?? '/', agent: o.agent ?? false,
      headers: { host: ECHO_HOST, ...(o.headers ?? {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let echo: HttpResult['echo'];
        try {
          echo = JSON.parse(body) as HttpResult['echo'];
        } catch {
          echo = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ...(echo && typeof echo === 'object' ? { echo } : {}) });
      });
      res.on('error', reject);
    });
    req.setTimeout(o.timeoutMs ?? 10_000, () => req.destroy(new Error('request timeout')));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** What a raw exchange saw: everything read, and how the connection ended. */
export interface RawResult {
  readonly data: string;
  readonly end: 'fin' | 'reset' | 'timeout';
  readonly ms: number;
}

/**
 * Writes `chunks` (with `gapMs` between them) to a fresh connection, half-closes unless
 * `keepOpen`, and reads until the peer closes or `timeoutMs`.
 */
export function rawExchange(port: number, chunks: readonly (string | Buffer)[], o: { host?: string; gapMs?: number; timeoutMs?: number; keepOpen?: boolean; onSocket?: (s: Socket) => void } = {}): Promise<RawResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = connect({ host: o.host ?? '127.0.0.1', port, allowHalfOpen: true });
    let data = '';
    let done = false;
    const finish = (end: RawResult['end']): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ data, end, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish('timeout'), o.timeoutMs ?? 5000);
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    s.on('end', () => finish('fin'));
    s.on('error', () => finish('reset'));
    s.on('close', () => finish('fin'));
    o.onSocket?.(s);
    s.on('connect', async () => {
      for (const c of chunks) {
        if (done) return;
        s.write(c);
        if (o.gapMs) await new Promise((r) => setTimeout(r, o.gapMs));
      }
      if (!o.keepOpen && !done) s.end();
    });
  });
}
