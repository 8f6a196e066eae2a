// A workload's verified xDS client for tests: a bootstrap token from the admin API, a mesh
// certificate from the CA on 15010, then ADS over TLS on 15012 presenting that certificate —
// the only way a proxy may auto-register or report health.
import { AdminClient } from '../../src/cli/admin-client.js';
import { issue, TlsAdsClient, type IssuedCertificate } from '../identity-support.js';

/** A TLS ADS client of the controller at `ports`, holding a certificate for namespace/serviceAccount. */
export async function verifiedAdsClient(home: string, ports: Record<string, number>, namespace: string, serviceAccount: string): Promise<TlsAdsClient & { certificate: IssuedCertificate }> {
  const { token } = await AdminClient.connect(home).mintToken({ namespace, serviceAccount, ttl: 600 });
  const certificate = await issue({ address: `127.0.0.1:${ports.xds}` }, { token });
  const client = new TlsAdsClient(ports['xds-tls']!, certificate.rootsPem, certificate) as TlsAdsClient & { certificate: IssuedCertificate };
  client.certificate = certificate;
  return client;
}
