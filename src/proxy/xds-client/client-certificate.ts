import type { WorkloadCertificateMaterial, WorkloadCertificateSource } from '../tls/local-secret-store.js';
import type { AdsServerAddress } from './ads-transport.js';
import type { XdsClient } from './xds-client.js';

/**
 * The name the controller's 15012 certificate is checked against unless told otherwise: the
 * mesh CA always puts it in (as istiod's, which proxies reach under that name).
 */
export const DEFAULT_XDS_SERVER_NAME = 'istiod.istio-system.svc';

/** How the ADS stream authenticates over TLS (15012). */
export interface XdsClientCertificateOptions {
  /**
   * Roots that sign the controller's serving certificate, trusted besides the roots the CA sent
   * with the workload certificate (which follow a root rotation).
   */
  readonly rootCaPem?: string;
  /** Name the controller's certificate must carry (default {@link DEFAULT_XDS_SERVER_NAME}). */
  readonly serverName?: string;
}

/** The given roots and the workload certificate's bundle (duplicates are harmless to OpenSSL). */
export function trustedRoots(cert: WorkloadCertificateMaterial, o: XdsClientCertificateOptions): string {
  return o.rootCaPem ? `${o.rootCaPem.trimEnd()}\n${cert.rootsPem}` : cert.rootsPem;
}

/** TLS settings of the ADS channel: present the workload certificate, verify the controller against the mesh root. */
export function xdsTlsFromCertificate(cert: WorkloadCertificateMaterial, o: XdsClientCertificateOptions = {}): NonNullable<AdsServerAddress['tls']> {
  return {
    rootCaPem: trustedRoots(cert, o),
    certChainPem: cert.certChainPem,
    privateKeyPem: cert.keyPem,
    serverName: o.serverName ?? DEFAULT_XDS_SERVER_NAME,
  };
}

/**
 * Keeps the ADS stream on the agent's current certificate: every renewal reconnects the xDS
 * client with the new one (the old certificate would expire under a long-lived stream's next
 * reconnect). Returns the unsubscribe function.
 */
export function followClientCertificate(xds: Pick<XdsClient, 'updateTls'>, source: WorkloadCertificateSource, o: XdsClientCertificateOptions = {}): () => void {
  const onChange = (cert: WorkloadCertificateMaterial): void => xds.updateTls(xdsTlsFromCertificate(cert, o));
  source.on('change', onChange);
  return () => void source.off('change', onChange);
}
