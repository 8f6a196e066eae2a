import type { ServerUnaryCall } from '@grpc/grpc-js';

/**
 * The DER certificate a TLS client presented on this call, if any. grpc-js (1.10+) reports it
 * through `getAuthContext()` only when the TLS socket verified it against the server's CA list,
 * so the server must ask for client certificates (requestCert) without requiring them; see
 * `createCaServerCredentials`.
 */
export function peerCertificateDer(call: Pick<ServerUnaryCall<unknown, unknown>, 'getAuthContext'>): Buffer | undefined {
  const ctx = call.getAuthContext();
  const raw = ctx?.sslPeerCertificate?.raw;
  return raw && raw.length > 0 ? raw : undefined;
}
