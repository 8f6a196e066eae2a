import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import type { CertificateAuthority } from './certificate-authority.js';
import { MemoryCertificateProvider } from './memory-certificate-provider.js';

/** TLS credentials for a controller port, kept fresh; `close()` stops the renewal timer. */
export interface CaServerCredentials {
  credentials: grpc.ServerCredentials;
  close(): void;
}

/**
 * Server credentials for the controller's TLS port (15012): a certificate the CA issues to the
 * controller itself (renewed at half-life), the mesh trust bundle as client CA list (updated on
 * root rotation), and client certificates requested but optional — so that agents can call with
 * a token before they have a certificate and renew with their certificate afterwards, and so that
 * grpc-js reports a verified client certificate through `call.getAuthContext()`.
 */
export async function createCaServerCredentials(ca: CertificateAuthority, opts: { dnsNames?: string[]; ipAddresses?: string[]; ttlSeconds?: number; requireClientCertificate?: boolean; logger?: Logger } = {}): Promise<CaServerCredentials> {
  const provider = new MemoryCertificateProvider();
  const log = opts.logger ?? pino({ name: 'ca-tls', level: 'info' }, pino.destination(2));
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const renew = async (): Promise<void> => {
    const cert = await ca.issueServerCertificate({ dnsNames: opts.dnsNames ?? ['localhost'], ipAddresses: opts.ipAddresses ?? ['127.0.0.1'], ttlSeconds: opts.ttlSeconds });
    provider.update({ certChainPem: cert.certChainPem, keyPem: cert.keyPem, caPem: ca.trustBundlePem() });
    if (closed) return;
    const ttlMs = (opts.ttlSeconds ?? ca.defaultTtlSeconds) * 1000;
    schedule(ttlMs / 2);
  };
  const schedule = (ms: number): void => {
    timer = setTimeout(() => {
      renew().catch((err: unknown) => {
        // The current certificate is still valid for the other half of its life: retry soon.
        log.error({ err }, 'could not renew the controller TLS certificate; retrying in 10 s');
        if (!closed) schedule(10_000);
      });
    }, ms);
    timer.unref();
  };
  await renew();
  const onBundle = (pem: string): void => provider.update({ caPem: pem });
  ca.on('trust-bundle', onBundle);
  return {
    credentials: grpc.experimental.createCertificateProviderServerCredentials(provider, provider, opts.requireClientCertificate ?? false),
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      ca.off('trust-bundle', onBundle);
    },
  };
}
