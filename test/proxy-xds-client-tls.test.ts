// The xds-client over TLS with a client certificate given as PEM strings, against a server
// that requires a certificate from the mesh CA (as the controller's 15012 port does).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { CertificateAuthority } from '../src/ca/certificate-authority.js';
import { createCaServerCredentials } from '../src/ca/ca-server-credentials.js';
import { SnapshotHolder } from '../src/proxy/config/snapshot-holder.js';
import { XdsClient } from '../src/proxy/xds-client/xds-client.js';
import { edsCluster, FakeAds, TYPES } from './proxy-xds-client-fake-ads.js';

describe('proxy xds-client over TLS', { timeout: 30_000 }, () => {
  const home = mkdtempSync(join(tmpdir(), 'plexus-xds-tls-'));
  after(() => rmSync(home, { recursive: true, force: true }));

  it('connects with a client certificate and gets config', async () => {
    const silent = pino({ level: 'silent' });
    const ca = await CertificateAuthority.open({ home, logger: silent });
    const serverCreds = await createCaServerCredentials(ca, { dnsNames: ['plexus-controller'], ipAddresses: ['127.0.0.1'], requireClientCertificate: true });
    const ads = new FakeAds();
    const port = await ads.start(0, serverCreds.credentials);
    const clientCert = await ca.issueServerCertificate({ identity: { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'productpage' } });
    const client = new XdsClient({
      address: `127.0.0.1:${port}`,
      tls: { rootCaPem: ca.trustBundlePem(), certChainPem: clientCert.certChainPem, privateKeyPem: clientCert.keyPem, serverName: 'plexus-controller' },
      node: { type: 'sidecar', ip: '198.18.0.5', podName: 'pp', namespace: 'default' },
      holder: new SnapshotHolder(), backoff: { initialMs: 50, maxMs: 200 }, logger: silent,
    });
    try {
      client.start();
      const s = await ads.stream(0);
      const cds = await s.next(TYPES.cluster);
      assert.ok(cds.node);
      s.respond(TYPES.cluster, 'v1', [edsCluster('c')]);
      const ack = await s.next(TYPES.cluster);
      assert.equal(ack.version_info, 'v1');
      assert.equal(client.status().state, 'connected');
    } finally {
      client.close();
      await ads.stop();
      serverCreds.close();
    }
  });
});
