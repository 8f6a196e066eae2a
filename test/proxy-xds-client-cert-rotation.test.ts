// XdsClient.updateTls on a real 15012 rule (mesh CA, client certificate bound to the node, real
// TLS): a renewed certificate moves an open stream to a new channel with config kept; a stream
// refused for its certificate and waiting in backoff is re-opened at once with a good one; TLS
// set before start is what the first stream uses.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { CertificateAuthority } from '../src/ca/certificate-authority.js';
import { createCaServerCredentials, type CaServerCredentials } from '../src/ca/ca-server-credentials.js';
import { meshCertificateAuthorizer } from '../src/cli/controller-identity.js';
import { makeTestAuthority, makeTestCredential } from '../src/api/kinds/secret/testing-credentials.js';
import { SnapshotHolder } from '../src/proxy/config/snapshot-holder.js';
import { LocalSecretStore } from '../src/proxy/tls/local-secret-store.js';
import { XdsClient, xdsTlsFromCertificate, type NodeIdentity } from '../src/proxy/xds-client/index.js';
import { AdsServer } from '../src/xds/ads-server.js';
import { buildPushContext } from '../src/xds/push-context.js';
import { startCaServer } from './ca-support.js';
import { issue, type IssuedCertificate } from './identity-support.js';
import { service, workloadEntry } from './support/mesh-objects.js';
import { waitFor } from './support/wait-for.js';

const log = pino({ level: process.env.PLEXUS_TEST_LOG ?? 'silent' });
const CLUSTER = 'outbound|8080||echo.default.svc.cluster.local';

describe('XdsClient.updateTls on 15012', { timeout: 60_000 }, () => {
  let ca: CertificateAuthority;
  let caServer: Awaited<ReturnType<typeof startCaServer>>;
  let serving: CaServerCredentials;
  let ads: AdsServer;
  let port: number;
  const clients: XdsClient[] = [];
  const acceptedSerials: string[] = [];
  const serialOf = (c: IssuedCertificate): string => new X509Certificate(c.certChainPem).serialNumber;

  const certFor = async (sa: string): Promise<IssuedCertificate> => issue({ address: caServer.address }, { token: ca.mintWorkloadToken({ namespace: 'default', serviceAccount: sa, ttl: 600 }) });
  const material = (c: IssuedCertificate): { certChainPem: string; keyPem: string; rootsPem: string } => ({ certChainPem: c.certChainPem, keyPem: c.keyPem, rootsPem: c.rootsPem });
  const node = (sa: string): NodeIdentity => ({ type: 'sidecar', ip: '127.0.0.1', podName: sa, namespace: 'default', serviceAccount: sa });
  const connectionsOf = (sa: string): string[] => ads.connections().filter((s) => s.proxy?.serviceAccount === sa && s.proxy.verified === true).map((s) => s.id);
  type Tls = ReturnType<typeof xdsTlsFromCertificate>;
  const client = (sa: string, tls: Tls | undefined, holder: SnapshotHolder, backoffMs = 50, agentCert: Tls | undefined = tls): XdsClient => {
    // The agent's `default` and `ROOTCA`, as in the proxy, so that nothing waits for them over SDS.
    const localSecrets = new LocalSecretStore();
    if (agentCert) localSecrets.setWorkloadCertificate({ certChainPem: agentCert.certChainPem!, keyPem: agentCert.privateKeyPem!, rootsPem: agentCert.rootCaPem });
    const c = new XdsClient({ address: `127.0.0.1:${port}`, ...(tls ? { tls } : {}), node: node(sa), holder, localSecrets, logger: log, backoff: { initialMs: backoffMs, maxMs: backoffMs } });
    clients.push(c);
    return c;
  };

  before(async () => {
    ca = await CertificateAuthority.open({ logger: log });
    caServer = await startCaServer(ca, { logger: log });
    serving = await createCaServerCredentials(ca, { dnsNames: ['istiod.istio-system.svc'], logger: log });
    ads = new AdsServer({ logger: log, pushContext: buildPushContext({ resources: [service('echo', 'default', { app: 'echo' }, [{ name: 'http', port: 8080 }]), workloadEntry('echo-1', 'default', '127.0.0.1', { app: 'echo' }, { http: 9 })] }) });
    // The port's rule, recording the serial of every client certificate a node was accepted with.
    const rule = meshCertificateAuthorizer(ca);
    port = await ads.listen('127.0.0.1:0', serving.credentials, ads.createAuthorizedServer((c) => {
      const refusal = rule(c);
      if (!refusal && c.proxy && c.peerCertificateDer) acceptedSerials.push(`${c.proxy.serviceAccount}/${new X509Certificate(c.peerCertificateDer).serialNumber}`);
      return refusal;
    }));
  });

  after(async () => {
    for (const c of clients) c.close();
    await ads?.close();
    await caServer?.close();
    serving?.close();
  });

  it('a renewed certificate: a new verified stream, the old one gone, the snapshot never lost', async () => {
    const holder = new SnapshotHolder();
    const firstCert = await certFor('rot-a');
    const xds = client('rot-a', xdsTlsFromCertificate(material(firstCert)), holder);
    let emptied = 0;
    holder.on('update', (s) => { if (!s.clusters.has(CLUSTER)) emptied++; });
    xds.start();
    await xds.ready();
    assert.ok(holder.current.clusters.has(CLUSTER));
    await waitFor(() => connectionsOf('rot-a').length === 1, 5000, 'the first stream');
    const first = connectionsOf('rot-a')[0];
    let renewals = 0;
    const presented = [serialOf(firstCert)];
    for (let i = 0; i < 3; i++) {
      const before = connectionsOf('rot-a');
      const renewed = await certFor('rot-a');
      presented.push(serialOf(renewed));
      xds.updateTls(xdsTlsFromCertificate(material(renewed)));
      await waitFor(() => connectionsOf('rot-a').length === 1 && connectionsOf('rot-a')[0] !== before[0] && xds.status().state === 'connected', 5000, `stream ${i + 2}`);
      renewals++;
    }
    assert.equal(renewals, 3);
    // Each stream was accepted with the certificate current at the time, in order.
    assert.deepEqual(acceptedSerials.filter((s) => s.startsWith('rot-a/')), presented.map((s) => `rot-a/${s}`));
    assert.notEqual(connectionsOf('rot-a')[0], first);
    assert.equal(xds.status().reconnects, 3);
    assert.equal(emptied, 0, 'no published snapshot lost the config');
    assert.ok(holder.current.clusters.has(CLUSTER));
  });

  it('a stream refused for its certificate waits in backoff; a good certificate re-opens it at once', async () => {
    const rogueCa = await makeTestAuthority('not-the-mesh-ca');
    const rogue = await makeTestCredential(rogueCa, ['rogue']);
    const holder = new SnapshotHolder();
    // A minute of backoff: only updateTls can bring the stream back within the test.
    const good = xdsTlsFromCertificate(material(await certFor('rot-b')));
    const xds = client('rot-b', { rootCaPem: ca.trustBundlePem(), certChainPem: rogue.certPem, privateKeyPem: rogue.keyPem, serverName: 'istiod.istio-system.svc' }, holder, 60_000, good);
    xds.start();
    await waitFor(() => xds.status().state === 'backoff', 5000, 'the refused stream to back off');
    assert.equal(connectionsOf('rot-b').length, 0);
    const t0 = Date.now();
    xds.updateTls(good);
    await waitFor(() => connectionsOf('rot-b').length === 1, 10_000, 'the stream re-opened with the good certificate');
    assert.ok(Date.now() - t0 < 10_000, 'long before the one-minute backoff');
    await xds.ready();
    assert.ok(holder.current.clusters.has(CLUSTER));
    assert.equal(connectionsOf('rot-b').length, 1);
  });

  it('TLS set before start is what the first stream uses', async () => {
    const holder = new SnapshotHolder();
    // Without TLS this client could not speak to the TLS port at all.
    const tls = xdsTlsFromCertificate(material(await certFor('rot-c')));
    const xds = client('rot-c', undefined, holder, 50, tls);
    xds.updateTls(tls);
    assert.equal(xds.status().state, 'idle');
    xds.start();
    await xds.ready();
    assert.equal(xds.status().reconnects, 0);
    assert.equal(connectionsOf('rot-c').length, 1);
  });
});
