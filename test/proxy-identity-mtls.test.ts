// Identity on the data plane, end to end: the controller generates the sidecar's inbound chain
// (istiod's validation context restricted to the mesh trust domain and its aliases, XFCC
// APPEND_FORWARD, pathNormalization), the xds-client translates it, and a real proxy enforces
// it on real mTLS connections with certificates minted here (one CA, several trust domains).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import { EventEmitter } from 'node:events';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import type { FilterChain, ListenerConfig } from '../src/proxy/config/model.js';
import { remapBindAddress } from '../src/proxy/listener/bind-address.js';
import { ProxyProcess } from '../src/proxy/proxy-process.js';
import type { WorkloadCertificateMaterial } from '../src/proxy/tls/local-secret-store.js';
import { XDS_TYPE } from '../src/proxy/xds-client/resource-types.js';
import { translateResource } from '../src/proxy/xds-client/translate-resource.js';
import { selectGenerator } from '../src/xds/generators/select.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { cluster, echoed, startUpstream } from './proxy-http-support.js';
import { makeCa, makeLeaf, snapshotOf, testLogger, type TestCa, type TestLeaf } from './proxy-listener-support.js';
import { bookinfoPush, productpageProxy } from './xds-sidecar-fixture.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const subtle = webcrypto.subtle as unknown as SubtleCrypto;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A CA-signed client certificate with a chosen subject and SPIFFE id (no DNS SAN). */
async function clientLeaf(ca: TestCa, subject: string, spiffeId: string): Promise<TestLeaf> {
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    serialNumber: 'a1',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  const der = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
  return { certPem: `${cert.toString('pem')}\n`, keyPem };
}

class FixedCerts extends EventEmitter {
  constructor(private readonly cert: WorkloadCertificateMaterial) {
    super();
  }
  current(): WorkloadCertificateMaterial {
    return this.cert;
  }
}

const MESH = `
trustDomain: cluster.local
trustDomainAliases: [old.example, cluster.local]
`;

/** The generated, translated inbound HTTP chain of productpage's port 9080 (mesh mTLS). */
function generatedInboundChain(): FilterChain {
  const proxy = productpageProxy();
  const gen = selectGenerator(TYPE_URL.listener, proxy)!;
  const inbound = gen(bookinfoPush(MESH), proxy, undefined).find((r) => r.name === 'virtualInbound')!;
  const listener = translateResource(XDS_TYPE.listener, inbound.resource as never, 'v1', 0, () => {
    throw new Error('no files');
  }).value;
  const chain = listener.filterChains.find((c) => c.match.destinationPort === 9080 && c.tls !== undefined);
  assert.ok(chain, 'a TLS chain for port 9080');
  return chain;
}

const sha256 = (pem: string): string => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');

let ca: TestCa;
let server: TestLeaf;
let meshClient: TestLeaf;
let aliasClient: TestLeaf;
let foreignClient: TestLeaf;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let proxy: ProxyProcess;
let port: number;
let gatewayPort: number;
let chain: FilterChain;

before(async () => {
  ca = await makeCa('mesh-root');
  server = await makeLeaf(ca, 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage');
  meshClient = await clientLeaf(ca, 'C=US, O=Acme\\, Inc., CN=frontend', 'spiffe://cluster.local/ns/web/sa/frontend');
  aliasClient = await makeLeaf(ca, 'spiffe://old.example/ns/web/sa/legacy');
  // Same CA, but a trust domain the mesh does not accept.
  foreignClient = await makeLeaf(ca, 'spiffe://evil.example/ns/web/sa/frontend');
  upstream = await startUpstream();
  chain = generatedInboundChain();
  const listener: ListenerConfig = {
    name: 'inbound-9080',
    address: { address: '127.0.0.1', port: 0 },
    useOriginalDst: false,
    bindToPort: true,
    tlsInspector: true,
    httpInspector: false,
    filterChains: [{ ...chain, match: {} }],
  };
  // A gateway-style HCM on the same chain: SANITIZE_SET with every certificate part.
  const gatewayHcm = (f: FilterChain['filters'][number]): FilterChain['filters'][number] =>
    f.kind === 'http_connection_manager' ? { ...f, forwardClientCertDetails: 'SANITIZE_SET', setCurrentClientCertDetails: { subject: true, cert: true, chain: true, dns: true, uri: true } } : f;
  const gateway: ListenerConfig = { ...listener, name: 'gateway-443', filterChains: [{ ...chain, match: {}, filters: chain.filters.map(gatewayHcm) }] };
  const snapshot = snapshotOf([listener, gateway]);
  proxy = new ProxyProcess({
    logger: testLogger,
    staticSnapshot: { ...snapshot, clusters: new Map([['inbound|9080||', cluster('inbound|9080||', [upstream.port])]]) },
    certificates: new FixedCerts({ certChainPem: server.certPem, keyPem: server.keyPem, rootsPem: ca.certPem }),
    bindAddress: remapBindAddress({ host: '127.0.0.1', otherPorts: 'ephemeral' }),
    handshakeTimeoutMs: 2000,
    health: false,
    admin: false,
    statsServers: false,
  });
  await proxy.start();
  port = proxy.listeners.address('inbound-9080')!.port;
  gatewayPort = proxy.listeners.address('gateway-443')!.port;
});

after(async () => {
  await proxy.stop();
  await upstream.close();
});

function get(leaf: TestLeaf | undefined, path: string, headers: Record<string, string> = {}, to = port): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port: to, path, headers: { host: 'productpage.default.svc.cluster.local', ...headers }, ca: ca.certPem, servername: 'localhost', agent: false, ...(leaf ? { cert: leaf.certPem, key: leaf.keyPem } : {}) },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function sanRefusals(): number {
  return proxy.stats.tlsHandshakeErrors.get({ envoy_listener_address: 'inbound-9080', reason: 'san' }) ?? 0;
}

describe('inbound mTLS restricted to the mesh trust domains (generated as istiod does)', () => {
  it('the translated chain carries the trust domain and alias prefixes, XFCC APPEND_FORWARD and BASE normalisation', () => {
    assert.deepEqual(chain.tls!.matchSubjectAltNames, [{ kind: 'prefix', value: 'spiffe://cluster.local/' }, { kind: 'prefix', value: 'spiffe://old.example/' }]);
    assert.equal(chain.tls!.requireClientCertificate, true);
    const hcm = chain.filters.find((f) => f.kind === 'http_connection_manager');
    assert.ok(hcm && hcm.kind === 'http_connection_manager');
    assert.equal(hcm.forwardClientCertDetails, 'APPEND_FORWARD');
    assert.deepEqual(hcm.setCurrentClientCertDetails, { subject: true, cert: false, chain: false, dns: true, uri: true });
    assert.deepEqual(hcm.pathNormalization, { normalizePath: true, mergeSlashes: false, escapedSlashesAction: 'KEEP_UNCHANGED' });
  });

  it('a peer of the trust domain and one of an alias are served; the same CA with another trust domain is refused at the handshake', async () => {
    const before = upstream.seen.length;
    assert.equal((await get(meshClient, '/ok')).status, 200);
    assert.equal((await get(aliasClient, '/ok')).status, 200);
    const refusedBefore = sanRefusals();
    await assert.rejects(get(foreignClient, '/ok'), 'a foreign trust domain gets no HTTP exchange');
    await assert.rejects(get(undefined, '/ok'), 'no client certificate is refused');
    assert.equal(sanRefusals() - refusedBefore, 1, 'one SAN refusal (the foreign trust domain)');
    assert.equal(upstream.seen.length - before, 2, 'refused peers never reach the app');
  });

  it('x-forwarded-client-cert: By (our SPIFFE id), Hash of the peer certificate, Subject (RFC 2253), URI; appended to what the peer sent', async () => {
    const mine = `By=spiffe://cluster.local/ns/default/sa/bookinfo-productpage;Hash=${sha256(meshClient.certPem)};Subject="CN=frontend,O=Acme\\, Inc.,C=US";URI=spiffe://cluster.local/ns/web/sa/frontend`;
    const plain = echoed((await get(meshClient, '/xfcc')).body);
    assert.equal(plain.headers['x-forwarded-client-cert'], mine);
    const upstreamHop = 'By=spiffe://cluster.local/ns/web/sa/frontend;URI=spiffe://cluster.local/ns/ingress/sa/gateway';
    const chained = echoed((await get(meshClient, '/xfcc', { 'x-forwarded-client-cert': upstreamHop })).body);
    assert.equal(chained.headers['x-forwarded-client-cert'], `${upstreamHop},${mine}`);
    const alias = echoed((await get(aliasClient, '/xfcc')).body);
    assert.equal(alias.headers['x-forwarded-client-cert'], `By=spiffe://cluster.local/ns/default/sa/bookinfo-productpage;Hash=${sha256(aliasClient.certPem)};Subject="CN=workload";URI=spiffe://old.example/ns/web/sa/legacy;DNS=localhost`);
  });

  it('SANITIZE_SET with Cert and Chain (the gateway setting): the peer PEM URL-encoded and quoted, a spoofed header replaced', async () => {
    const pem = encodeURIComponent(new X509Certificate(meshClient.certPem).toString());
    const want = `By=spiffe://cluster.local/ns/default/sa/bookinfo-productpage;Hash=${sha256(meshClient.certPem)};Cert="${pem}";Chain="${pem}";Subject="CN=frontend,O=Acme\\, Inc.,C=US";URI=spiffe://cluster.local/ns/web/sa/frontend`;
    const r = echoed((await get(meshClient, '/xfcc', { 'x-forwarded-client-cert': 'URI=spiffe://cluster.local/ns/istio-system/sa/admin' }, gatewayPort)).body);
    assert.equal(r.headers['x-forwarded-client-cert'], want);
  });

  it('the generated chain normalises paths before the app sees them', async () => {
    const r = echoed((await get(meshClient, '/static/../admin/%2e/x?next=/../y')).body);
    assert.equal(r.url, '/admin/x?next=/../y');
  });
});
