import { status as GrpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import type { ProxyInfo } from './proxy.js';

/** Why an ADS stream is refused: the gRPC status it ends with and a message for the proxy. */
export interface StreamRefusal {
  readonly code: GrpcStatus;
  readonly details: string;
}

/** What an authorizer is shown: the TLS client certificate (DER) and, once known, the proxy's node. */
export interface StreamCredentials {
  /** The verified client certificate of the connection, if the transport had one. */
  readonly peerCertificateDer: Buffer | undefined;
  /** The proxy as its first request describes itself; undefined when the stream has just opened. */
  readonly proxy: ProxyInfo | undefined;
}

/**
 * Decides whether an ADS stream may go on. Called twice per stream: when it opens (no proxy
 * yet; a port that requires client certificates refuses here) and on the first request with a
 * `node` (the node's claims are checked against what the certificate proves). Returning
 * undefined allows. Kept free of CA code so that `src/xds` does not depend on `src/ca`.
 */
export type StreamAuthorizer = (credentials: StreamCredentials) => StreamRefusal | undefined;

/**
 * The client certificate of a server call. grpc-js reports it only when the TLS socket verified
 * it against the server's CA list (otherwise `getAuthContext()` is empty, as on plaintext).
 */
export function streamPeerCertificate(call: Pick<ServerDuplexStream<unknown, unknown>, 'getAuthContext'>): Buffer | undefined {
  const raw = call.getAuthContext()?.sslPeerCertificate?.raw;
  return raw && raw.length > 0 ? raw : undefined;
}

/** Ends a stream with a refusal; the stream's own close handlers run as for any error. */
export function refuseStream(call: ServerDuplexStream<unknown, unknown>, refusal: StreamRefusal): void {
  call.emit('error', { code: refusal.code, details: refusal.details });
}

/** Shorthands for the two refusals ADS uses. */
export const unauthenticated = (details: string): StreamRefusal => ({ code: GrpcStatus.UNAUTHENTICATED, details });
export const permissionDenied = (details: string): StreamRefusal => ({ code: GrpcStatus.PERMISSION_DENIED, details });
