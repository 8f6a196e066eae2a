// A gRPC unary call written by hand on node:http2, for attack tests: the request message can be
// far larger than any client would build, its bytes come from one shared Buffer (so a hundred
// 15 MiB requests cost the test 15 MiB), and the call reports the grpc-status it ended with.
import { connect, constants, type ClientHttp2Session, type SecureClientSessionOptions } from 'node:http2';

/** How a raw call ended: the grpc-status (or -1 when the transport failed first) and message. */
export interface RawCallResult {
  code: number;
  message: string;
  /** Request bytes the server took before it answered (flow control stops the rest). */
  sent: number;
}

/** One HTTP/2 session to `authority` (`http://…` or `https://…`). */
export function rawSession(authority: string, tls?: SecureClientSessionOptions): ClientHttp2Session {
  const s = connect(authority, tls ?? {});
  s.on('error', () => undefined);
  return s;
}

/**
 * POSTs one gRPC message to `path` whose payload is a protobuf string field 1 of `body.length`
 * bytes (IstioCertificateRequest.csr), with the given metadata headers.
 */
export function rawUnaryCall(session: ClientHttp2Session, path: string, body: Buffer, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<RawCallResult> {
  const tag = Buffer.from([0x0a, ...varint(body.length)]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(tag.length + body.length, 1);
  return new Promise((resolve) => {
    const req = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST', [constants.HTTP2_HEADER_PATH]: path,
      'content-type': 'application/grpc', te: 'trailers', ...headers,
    });
    let sent = 0;
    let done = false;
    const finish = (code: number, message: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.close();
      resolve({ code, message, sent });
    };
    const timer = setTimeout(() => finish(-1, 'timeout'), timeoutMs);
    const fromHeaders = (h: Record<string, unknown>): void => {
      if (h['grpc-status'] !== undefined) finish(Number(h['grpc-status']), decodeURIComponent(String(h['grpc-message'] ?? '')));
    };
    req.on('response', fromHeaders);
    req.on('trailers', fromHeaders);
    req.on('error', (err) => finish(-1, err.message));
    req.on('close', () => finish(-1, `stream closed (rst ${req.rstCode})`));
    req.resume();
    // Write in 64 KiB slices of the shared buffer, honouring backpressure.
    const chunks: Buffer[] = [prefix, tag];
    for (let off = 0; off < body.length; off += 65_536) chunks.push(body.subarray(off, Math.min(off + 65_536, body.length)));
    const pump = (): void => {
      while (chunks.length > 0 && !done) {
        const c = chunks.shift()!;
        sent += c.length;
        if (!req.write(c)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!done) req.end();
    };
    pump();
  });
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
