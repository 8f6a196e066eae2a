import * as grpc from '@grpc/grpc-js';
import { istioCertificateService, type IstioCertificateRequest, type IstioCertificateResponse } from '../ca/ca-proto.js';

/** Where the CA is and how to reach it. */
export interface CaEndpoint {
  /** `host:port` of the controller's CA (15010 plaintext or 15012 TLS). */
  address: string;
  /** PEM roots that sign the CA's serving certificate; absent means plaintext. */
  tlsRootPem?: string;
  /** Name to verify the CA's certificate against when it differs from the address's host. */
  serverName?: string;
}

/** One CreateCertificate call. */
export interface CertificateCall {
  csrPem: string;
  validitySeconds: number;
  /** Bearer token; omitted when authenticating with `clientCertificate`. */
  token?: string;
  /** A still-valid mesh certificate to present on TLS (renewal without a token). */
  clientCertificate?: { certChainPem: string; keyPem: string };
  timeoutMs: number;
}

/** Calls `IstioCertificateService/CreateCertificate` once and returns the `cert_chain` (leaf first, roots last). */
export async function requestCertificate(endpoint: CaEndpoint, req: CertificateCall): Promise<string[]> {
  const creds = endpoint.tlsRootPem
    ? grpc.credentials.createSsl(Buffer.from(endpoint.tlsRootPem), req.clientCertificate ? Buffer.from(req.clientCertificate.keyPem) : null, req.clientCertificate ? Buffer.from(req.clientCertificate.certChainPem) : null)
    : grpc.credentials.createInsecure();
  const options: grpc.ChannelOptions = endpoint.serverName ? { 'grpc.ssl_target_name_override': endpoint.serverName, 'grpc.default_authority': endpoint.serverName } : {};
  const Service = istioCertificateService();
  const client = new Service(endpoint.address, creds, options);
  try {
    const metadata = new grpc.Metadata();
    if (req.token) metadata.set('authorization', `Bearer ${req.token}`);
    const request: IstioCertificateRequest = { csr: req.csrPem, validity_duration: String(Math.max(0, Math.floor(req.validitySeconds))) };
    const response = await new Promise<IstioCertificateResponse>((resolve, reject) => {
      client.CreateCertificate(request, metadata, { deadline: Date.now() + req.timeoutMs }, (err: grpc.ServiceError | null, res: IstioCertificateResponse) => (err ? reject(err) : resolve(res)));
    });
    return response.cert_chain;
  } finally {
    client.close();
  }
}
