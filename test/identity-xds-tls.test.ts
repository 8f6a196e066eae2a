// xDS and CA over TLS on 15012 of a real `plexus controller`: a mesh client certificate is
// required and binds the stream to its identity; ROOTCA comes over ADS, `default` never does.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSelfSignedRoot } from '../src/ca/root-certificate.js';
import { loadSigner } from '../src/ca/signer.js';
import { issueLeafCertificate, workloadAltNames } from '../src/ca/workload-certificate.js';
import { generateKeyPair, privateKeyToPem } from '../src/ca/key-algorithm.js';
import { testNode } from './support/ads-test-client.js';
import { unpackAny, type ProtoObject } from '../src/xds/protos.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { tempDir } from './ca-support.js';
import { issue, mintToken, startIdentityController, TlsAdsClient, type IssuedCertificate } from './identity-support.js';
import type { ControllerProcess } from './support/controller-process.js';

const NODE_X = 'sidecar~127.0.0.1~checkout-1.shop~shop.svc.cluster.local';

describe('xDS on 15012 requires a mesh certificate and binds the stream to it', { timeout: 90_000 }, () => {
  const tmp = tempDir('identity-xds-tls');
  let c: ControllerProcess;
  let roots: string;
  let shop: IssuedCertificate;
  const clients: TlsAdsClient[] = [];
  const client = (cert?: { certChainPem: string; keyPem: string }): TlsAdsClient => {
    const cl = new TlsAdsClient(c.ports['xds-tls']!, roots, cert);
    clients.push(cl);
    return cl;
  };
  const cds = (metadata: Record<string, unknown>, id = NODE_X): ProtoObject => ({ node: testNode(id, metadata), type_url: TYPE_URL.cluster, resource_names: [] });

  before(async () => {
    const home = join(tmp.dir, 'home');
    c = await startIdentityController(home, ['--tls-san', 'plexus.example.test']);
    roots = readFileSync(join(home, 'ca', 'root-cert.pem'), 'utf8');
    shop = await issue({ address: `127.0.0.1:${c.ports.xds}` }, { token: await mintToken(home, 'shop', 'checkout') });
  });
  after(async () => {
    for (const cl of clients) cl.close();
    await c?.stop();
    tmp.cleanup();
  });

  it('serves its own certificate for 15012 with the controller names', async () => {
    const { connect } = await import('node:tls');
    const peer = await new Promise<X509Certificate>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: c.ports['xds-tls']!, ca: roots, servername: 'istiod.istio-system.svc', ALPNProtocols: ['h2'] }, () => {
        resolve(new X509Certificate(s.getPeerCertificate().raw));
        s.destroy();
      });
      s.on('error', reject);
    });
    for (const san of ['DNS:plexus-controller', 'DNS:istiod.istio-system.svc', 'DNS:localhost', 'DNS:plexus.example.test', 'IP Address:127.0.0.1']) assert.ok(peer.subjectAltName?.includes(san), `${san} in ${peer.subjectAltName}`);
  });

  it('refuses a node that claims another namespace than its certificate (PERMISSION_DENIED)', async () => {
    const s = client(shop).sotw();
    s.send(cds({ NAMESPACE: 'payments', SERVICE_ACCOUNT: 'checkout' }, 'sidecar~127.0.0.1~checkout-1.payments~payments.svc.cluster.local'));
    const err = await s.endedWith();
    assert.equal(err?.code, 7, String(err?.details));
    assert.match(err!.details, /payments.*spiffe:\/\/cluster\.local\/ns\/shop\/sa\/checkout/);
  });

  it('refuses a node that claims another service account, or another namespace only in its node id', async () => {
    const sa = client(shop).sotw();
    sa.send(cds({ NAMESPACE: 'shop', SERVICE_ACCOUNT: 'admin' }));
    assert.equal((await sa.endedWith())?.code, 7);
    const idOnly = client(shop).sotw();
    idOnly.send(cds({ NAMESPACE: 'shop', SERVICE_ACCOUNT: 'checkout' }, 'sidecar~127.0.0.1~checkout-1.payments~payments.svc.cluster.local'));
    assert.equal((await idOnly.endedWith())?.code, 7);
  });

  it('serves a node whose claims match, including ROOTCA over ADS but never `default`', async () => {
    const s = client(shop).sotw();
    s.send(cds({ NAMESPACE: 'shop', SERVICE_ACCOUNT: 'checkout' }));
    const res = await s.next(5000);
    assert.equal(res.type_url, TYPE_URL.cluster);
    s.send({ type_url: TYPE_URL.secret, resource_names: ['default', 'ROOTCA'] });
    const sds = await s.next(5000);
    assert.equal(sds.type_url, TYPE_URL.secret);
    const secrets = (sds.resources as { type_url: string; value: Uint8Array }[]).map((r) => unpackAny(r));
    assert.deepEqual(secrets.map((x) => x.name), ['ROOTCA'], 'the controller never serves a private key');
    const bundle = Buffer.from((((secrets[0]!.validation_context as ProtoObject).trusted_ca as ProtoObject).inline_bytes as Uint8Array)).toString('utf8');
    assert.equal(bundle.trim(), roots.trim());
    assert.equal(s.ended, false);
    s.close();
  });

  it('refuses a stream without a client certificate (UNAUTHENTICATED)', async () => {
    const s = client().sotw();
    s.send(cds({ NAMESPACE: 'shop', SERVICE_ACCOUNT: 'checkout' }));
    const err = await s.endedWith();
    assert.equal(err?.code, 16, String(err?.details));
  });

  it('refuses a client certificate of another root', async () => {
    const root = await createSelfSignedRoot({ keyAlgorithm: 'ec-p256', trustDomain: 'cluster.local' });
    const signer = await loadSigner(root.certPem, root.keyPem, 'stranger');
    const keys = await generateKeyPair('ec-p256');
    const leaf = await issueLeafCertificate(signer, { publicKey: keys.publicKey, altNames: workloadAltNames({ trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'checkout' }), ttlSeconds: 3600, backdateSeconds: 60 });
    const s = client({ certChainPem: leaf.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey) }).sotw();
    s.send(cds({ NAMESPACE: 'shop', SERVICE_ACCOUNT: 'checkout' }));
    const err = await s.endedWith();
    assert.ok(err && (err.code === 16 || err.code === 14), `refused: ${err?.code} ${err?.details}`);
  });

  it('renews a certificate over 15012 with the current certificate instead of a token', async () => {
    const renewed = await issue({ address: `127.0.0.1:${c.ports['xds-tls']}`, tlsRootPem: roots, serverName: 'localhost' }, { clientCertificate: { certChainPem: shop.certChainPem, keyPem: shop.keyPem } });
    assert.equal(new X509Certificate(renewed.chain[0]!).subjectAltName, 'URI:spiffe://cluster.local/ns/shop/sa/checkout');
    assert.notEqual(new X509Certificate(renewed.chain[0]!).serialNumber, new X509Certificate(shop.chain[0]!).serialNumber);
  });
});
