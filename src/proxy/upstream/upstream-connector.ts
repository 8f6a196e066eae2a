import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { ResolvedTls } from './tls-context-cache.js';
import { UpstreamError } from './upstream-error.js';

/** Where and how to open one upstream connection. */
export interface ConnectTarget {
  /** IP, or a DNS name for LOGICAL_DNS (resolved by `connect`). */
  readonly address: string;
  readonly port: number;
  readonly tls: ResolvedTls | undefined;
  readonly connectTimeoutMs: number;
  readonly tcpKeepalive?: { readonly timeMs?: number };
}

/**
 * Opens a TCP (or TLS) connection and reports exactly once: the connected socket, or an
 * UpstreamError with flag `UF` and a reason (`connection_refused`, `connect_timeout`,
 * `tls_handshake_failure`, `tls_san_mismatch`, ...). Handshake and SAN failures come out of the
 * same path, so callers see one error type for "could not reach the host".
 */
export function openConnection(target: ConnectTarget, callback: (err: UpstreamError | null, socket?: Socket | TLSSocket) => void): void {
  const tls = target.tls;
  let tcpUp = false;
  let done = false;
  const socket: Socket =
    tls === undefined
      ? netConnect({ host: target.address, port: target.port, noDelay: true })
      : tlsConnect({
          host: target.address,
          port: target.port,
          secureContext: tls.secureContext,
          servername: tls.servername,
          ALPNProtocols: tls.alpnProtocols as string[],
          rejectUnauthorized: tls.rejectUnauthorized,
          checkServerIdentity: tls.checkServerIdentity,
        }).setNoDelay(true);
  const finish = (err: UpstreamError | null): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.removeListener('error', onError);
    if (err !== null) {
      socket.destroy();
      callback(err);
      return;
    }
    if (target.tcpKeepalive !== undefined) socket.setKeepAlive(true, target.tcpKeepalive.timeMs ?? 0);
    callback(null, socket);
  };
  const onError = (err: NodeJS.ErrnoException): void => finish(connectError(err, tls !== undefined && tcpUp, target));
  const timer = setTimeout(
    () => finish(new UpstreamError('UF', 'connect_timeout', `connect to ${target.address}:${target.port} timed out after ${target.connectTimeoutMs} ms`)),
    target.connectTimeoutMs > 0 ? target.connectTimeoutMs : 10_000,
  );
  socket.on('error', onError);
  if (tls === undefined) {
    socket.once('connect', () => finish(null));
  } else {
    socket.once('connect', () => {
      tcpUp = true;
    });
    socket.once('secureConnect', () => finish(null));
  }
}

/** Map a socket error during connection setup to an UpstreamError (UF). */
function connectError(err: NodeJS.ErrnoException, inHandshake: boolean, target: ConnectTarget): UpstreamError {
  const where = `${target.address}:${target.port}`;
  switch (err.code) {
    case 'ERR_PLEXUS_SAN_MISMATCH':
      return new UpstreamError('UF', 'tls_san_mismatch', `TLS to ${where} refused: ${err.message}`, { cause: err });
    case 'ECONNREFUSED':
      return new UpstreamError('UF', 'connection_refused', `connection to ${where} refused`, { cause: err });
    case 'ETIMEDOUT':
      return new UpstreamError('UF', 'connect_timeout', `connect to ${where} timed out`, { cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UpstreamError('UF', 'dns_resolution_failed', `cannot resolve ${target.address}`, { cause: err });
    default:
      if (inHandshake || (err.code !== undefined && /CERT|SSL|TLS|SIGNATURE|ALPN/.test(err.code))) {
        return new UpstreamError('UF', 'tls_handshake_failure', `TLS handshake with ${where} failed: ${err.code ?? err.message}`, { cause: err });
      }
      return new UpstreamError('UF', 'connection_failure', `connection to ${where} failed: ${err.code ?? err.message}`, { cause: err });
  }
}
