import type { Socket } from 'node:net';
import { parseClientHello } from './client-hello.js';
import { detectHttp } from './http-preface.js';

/** What the listener filters (tls_inspector, http_inspector) found. */
export interface SniffResult {
  readonly transportProtocol: 'tls' | 'raw_buffer';
  readonly serverName?: string;
  /** ALPN offered by a TLS client, or the protocol the http inspector detected. */
  readonly applicationProtocols: readonly string[];
  /** True when detection gave up waiting (server-first protocols, slow clients). */
  readonly timedOut: boolean;
  /** False when the socket closed or failed while we waited. */
  readonly alive: boolean;
}

/** Which inspectors to run and how long to wait for the first bytes. */
export interface SniffOptions {
  readonly tls: boolean;
  readonly http: boolean;
  /** Envoy's listener_filters_timeout; on expiry the connection continues as raw_buffer. */
  readonly timeoutMs: number;
  /** Give up after this many bytes without a decision. */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 64 * 1024;

/**
 * Whether the peer's FIN has been received while bytes are still buffered. Streams expose this
 * publicly only after 'end' (which our peeking prevents), so read the stream state; if a future
 * Node hides it, detection falls back to the timeout.
 */
function peerEnded(socket: Socket): boolean {
  return (socket as unknown as { _readableState?: { ended?: boolean } })._readableState?.ended === true;
}

/**
 * Peeks at the first bytes of a connection without consuming them: every chunk is read and
 * immediately unshifted back, so whatever handles the connection next (TLS, HTTP, tcp_proxy)
 * sees the stream from its first byte. Paused mode is used on purpose: in flowing mode an EOF
 * during the peek would emit 'end' and make unshifting impossible.
 */
export function sniffConnection(socket: Socket, opts: SniffOptions): Promise<SniffResult> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise((resolve) => {
    let seen = 0;
    let settled = false;
    const finish = (result: Omit<SniffResult, 'alive' | 'timedOut'>, extra: { timedOut?: boolean; alive?: boolean } = {}): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('close', onClose);
      socket.off('error', onError);
      resolve({ ...result, timedOut: extra.timedOut ?? false, alive: extra.alive ?? true });
    };
    const raw = { transportProtocol: 'raw_buffer' as const, applicationProtocols: [] };
    const evaluate = (data: Buffer): void => {
      let tlsPending = false;
      if (opts.tls) {
        const hello = parseClientHello(data);
        if (hello.kind === 'tls') {
          finish({ transportProtocol: 'tls', serverName: hello.serverName, applicationProtocols: hello.alpn });
          return;
        }
        tlsPending = hello.kind === 'need-more';
      }
      let httpPending = false;
      let httpProto: string | undefined;
      if (opts.http && !tlsPending) {
        const http = detectHttp(data);
        if (http.kind === 'http') httpProto = http.protocol;
        httpPending = http.kind === 'need-more';
      }
      if (tlsPending || httpPending) {
        if (data.length >= maxBytes) finish(raw);
        return;
      }
      finish(httpProto ? { transportProtocol: 'raw_buffer', applicationProtocols: [httpProto] } : raw);
    };
    const onReadable = (): void => {
      if (settled) return;
      // Our own unshift re-arms 'readable'; only look again when new bytes arrived. A 'readable'
      // without new bytes may be the peer's FIN: then no more bytes will come, so decide now.
      if (socket.readableLength <= seen) {
        if (peerEnded(socket)) evaluateFinal();
        return;
      }
      const data = socket.read() as Buffer | null;
      if (data === null) return;
      socket.unshift(data);
      seen = data.length;
      last = data;
      evaluate(data);
      if (!settled && peerEnded(socket)) evaluateFinal();
    };
    let last: Buffer = Buffer.alloc(0);
    const evaluateFinal = (): void => {
      const hello = opts.tls ? parseClientHello(last) : undefined;
      if (hello?.kind === 'tls') return finish({ transportProtocol: 'tls', serverName: hello.serverName, applicationProtocols: hello.alpn });
      const http = opts.http ? detectHttp(last) : undefined;
      finish(http?.kind === 'http' ? { transportProtocol: 'raw_buffer', applicationProtocols: [http.protocol] } : raw);
    };
    const onClose = (): void => finish(raw, { alive: false });
    const onError = (): void => finish(raw, { alive: false });
    socket.on('readable', onReadable);
    socket.once('close', onClose);
    socket.once('error', onError);
    const timer = setTimeout(() => finish(raw, { timedOut: true }), opts.timeoutMs);
    timer.unref?.();
  });
}
