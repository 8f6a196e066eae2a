// Secrets by credentialName end to end: a real controller (store → push → ADS) and real proxies
// in-process on loopback. Gateway SIMPLE and MUTUAL with certificates from Secrets over SDS, a
// Secret rotation seen by new handshakes without a restart (old connections kept), and a
// sidecar's DestinationRule MUTUAL to a TLS upstream that demands a client certificate.
// The proxies speak xDS over mTLS (15012's rule: a mesh CA certificate bound to the node) with
// workload certificates from a real CA; the plaintext port serves no Secret to anyone.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, request as httpRequest, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as tls from 'node:tls';
import { pino } from 'pino';
import { genericSecretResource, makeTestAuthority, makeTestCredential, makeTestCrl, tlsSecretResource, type TestAuthority, type TestCredential } from '../src/api/kinds/secret/testing-credentials.js';
import type { Resource } from '../src/api/resource.js';
import { MemoryConfigStore } from '../src/config/memory-store.js';
import { CertificateAgent } from '../src/agent/certificate-agent.js';
import { CertificateAuthority } from '../src/ca/certificate-authority.js';
import { createCaServerCredentials, type CaServerCredentials } from '../src/ca/ca-server-credentials.js';
import { meshCertificateAuthorizer } from '../src/cli/controller-identity.js';
import { followClientCertificate, xdsTlsFromCertificate } from '../src/proxy/xds-client/index.js';
import { unpackAny, type ProtoObject } from '../src/xds/protos.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { AdsTestClient, testNode } from './support/ads-test-client.js';
import { startCaServer } from './ca-support.js';
import { TlsAdsClient } from './identity-support.js';
import { remapBindAddress } from '../src/proxy/listener/bind-address.js';
import { ProxyProcess } from '../src/proxy/proxy-process.js';
import { AdsServer } from '../src/xds/ads-server.js';
import { explicitInterceptionMetadata } from '../src/xds/generators/explicit-interception.js';
import { XdsController } from '../src/xds/xds-controller.js';
import { service, workloadEntry } from './support/mesh-objects.js';
import { waitFor } from './support/wait-for.js';

const NET = 'networking.istio.io/v1';
const log = pino({ level: process.env.PLEXUS_TEST_LOG ?? 'silent' });
const HOST = 'shop.example.com';
const HTTP_PROXY_PORT = 15080;
/** The gateway speaks Delta xDS, the sidecar State of the World: both paths carry the credentials. */
const GATEWAY_MODE = 'delta';

const GATEWAY_SA = 'istio-ingressgateway';
const SIDECAR_SA = 'checkout';

const gateway = (name: string, servers: unknown[]): Resource => ({ apiVersion: NET, kind: 'Gateway', metadata: { name, namespace: 'istio-system' }, spec: { selector: { istio: 'ingressgateway' }, servers } });

interface Reply {
  status: number;
  body: string;
}

/** One HTTP/1.1 exchange on an open TLS socket (keep-alive), read up to its Content-Length. */
function exchange(socket: tls.TLSSocket, path = '/'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      const head = buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const len = Number(/content-length: *(\d+)/i.exec(buf.slice(0, head))?.[1] ?? '0');
      if (buf.length - head - 4 < len) return;
      cleanup();
      resolve({ status: Number(buf.slice(9, 12)), body: buf.slice(head + 4, head + 4 + len) });
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error(`connection closed before a response (${JSON.stringify(buf.slice(0, 80))})`));
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
  });
}

/** A TLS connection to the gateway: the socket and the server certificate's serial, or the failure. */
function connectTls(port: number, opts: tls.ConnectionOptions): Promise<{ socket: tls.TLSSocket; serial: string } | { error: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: HOST, ...opts });
    let settled = false;
    const settle = (v: { socket: tls.TLSSocket; serial: string } | { error: string }): void => {
      if (settled) return;
      settled = true;
      resolve(v);
    };
    socket.once('secureConnect', () => settle({ socket, serial: socket.getPeerX509Certificate()?.serialNumber ?? '' }));
    socket.once('error', (err) => settle({ error: err.message }));
    socket.once('close', () => settle({ error: 'closed' }));
  });
}

/** Connect, ask once and close: the status and body, or the failure. */
async function getOnce(port: number, opts: tls.ConnectionOptions): Promise<Reply & { serial: string } | { error: string }> {
  const c = await connectTls(port, opts);
  if ('error' in c) return c;
  try {
    // TLS 1.3 reports a refused client certificate only after the handshake, on first read.
    return { ...(await exchange(c.socket)), serial: c.serial };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    c.socket.destroy();
  }
}

describe('Secrets by credentialName: gateways and DestinationRules with real TLS', { timeout: 60_000 }, () => {
  let store: MemoryConfigStore;
  let ads: AdsServer;
  let controller: XdsController;
  let backend: HttpServer;
  let upstream: HttpsServer;
  let plainUpstream: HttpsServer;
  let pinnedClient: TestCredential;
  let revokedClient: TestCredential;
  let ingress: ProxyProcess;
  let sidecar: ProxyProcess;
  let serverCa: TestAuthority;
  let clientCa: TestAuthority;
  let rogueCa: TestAuthority;
  let upstreamCa: TestAuthority;
  let gwCred: TestCredential;
  let client: TestCredential;
  let rogue: TestCredential;
  const open: tls.TLSSocket[] = [];
  let meshCa: CertificateAuthority;
  let caServer: Awaited<ReturnType<typeof startCaServer>>;
  let serving: CaServerCredentials;
  let xdsPort: number;
  let xdsTlsPort: number;
  const agents: CertificateAgent[] = [];
  const unfollow: Array<() => void> = [];
  const rawClients: Array<{ close(): void }> = [];
  /** A workload certificate agent on the mesh CA (token of namespace/service account), started. */
  const agentFor = async (namespace: string, serviceAccount: string): Promise<CertificateAgent> => {
    const agent = new CertificateAgent({ ca: { address: caServer.address }, token: meshCa.mintWorkloadToken({ namespace, serviceAccount, ttl: 600 }), logger: log });
    agents.push(agent);
    await agent.start();
    return agent;
  };

  const apply = async (...rs: Resource[]): Promise<void> => {
    for (const r of rs) {
      const res = await store.apply(r);
      assert.ok(res.outcome !== 'invalid' && res.outcome !== 'conflict', JSON.stringify(res));
    }
  };
  const port = (p: ProxyProcess, listener: string): number => {
    const a = p.listeners.address(listener);
    assert.ok(a, `listener ${listener} not bound; bound: ${p.listeners.listenerNames.join(', ')}`);
    return a.port;
  };

  before(async () => {
    [serverCa, clientCa, rogueCa, upstreamCa] = await Promise.all(['gateway-server-ca', 'gateway-client-ca', 'rogue-ca', 'upstream-ca'].map(makeTestAuthority));
    gwCred = await makeTestCredential(serverCa, [HOST]);
    client = await makeTestCredential(clientCa, ['client.example.com']);
    rogue = await makeTestCredential(rogueCa, ['client.example.com']);
    // The mesh CA: workload certificates by token (its plaintext CSR service) and 15012's serving certificate.
    meshCa = await CertificateAuthority.open({ logger: log });
    caServer = await startCaServer(meshCa, { logger: log });
    serving = await createCaServerCredentials(meshCa, { dnsNames: ['istiod.istio-system.svc', 'plexus-controller', 'localhost'], logger: log });

    // The application behind the gateway, and a TLS upstream that requires a client certificate.
    backend = createHttpServer((req, res) => res.end(`backend ok ${req.url}`));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const upstreamCred = await makeTestCredential(upstreamCa, ['db.example.test']);
    upstream = createHttpsServer({ key: upstreamCred.keyPem, cert: upstreamCred.certPem, ca: clientCa.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as tls.TLSSocket).getPeerX509Certificate();
      // One request per connection, so that every request shows the certificate of a new handshake.
      res.setHeader('connection', 'close');
      res.end(`client ${peer?.serialNumber ?? 'none'}`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    // A TLS upstream that asks for no client certificate (DestinationRule SIMPLE).
    const apiCred = await makeTestCredential(upstreamCa, ['api.example.test']);
    plainUpstream = createHttpsServer({ key: apiCred.keyPem, cert: apiCred.certPem }, (req, res) => res.end(`api ${(req.socket as tls.TLSSocket).servername || 'no-sni'}`));
    await new Promise<void>((r) => plainUpstream.listen(0, '127.0.0.1', r));
    pinnedClient = await makeTestCredential(clientCa, ['pinned.example.com']);
    revokedClient = await makeTestCredential(clientCa, ['revoked.example.com']);
    const crl = await makeTestCrl(clientCa, [revokedClient.serial]);

    store = new MemoryConfigStore();
    await apply(
      service('web', 'shop', { app: 'web' }, [{ name: 'http', port: 8080 }]),
      workloadEntry('web-1', 'shop', '127.0.0.1', { app: 'web' }, { http: (backend.address() as AddressInfo).port }),
      { apiVersion: NET, kind: 'DestinationRule', metadata: { name: 'web', namespace: 'shop' }, spec: { host: 'web.shop.svc.cluster.local', trafficPolicy: { tls: { mode: 'DISABLE' } } } },
      gateway('https', [
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'gw-cert' } },
        { port: { number: 8443, name: 'https-mtls', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'MUTUAL', credentialName: 'gw-mtls' } },
        { port: { number: 8444, name: 'https-pinned', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'MUTUAL', credentialName: 'gw-mtls', verifyCertificateHash: [new X509Certificate(pinnedClient.certPem).fingerprint256] } },
        { port: { number: 8445, name: 'https-crl', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'MUTUAL', credentialName: 'gw-crl' } },
      ]),
      { apiVersion: NET, kind: 'VirtualService', metadata: { name: 'shop', namespace: 'istio-system' }, spec: { hosts: [HOST], gateways: ['https'], http: [{ route: [{ destination: { host: 'web.shop.svc.cluster.local', port: { number: 8080 } } }] }] } },
      tlsSecretResource('gw-cert', 'istio-system', gwCred),
      tlsSecretResource('gw-mtls', 'istio-system', gwCred),
      tlsSecretResource('gw-mtls-cacert', 'istio-system', undefined, clientCa.certPem),
      // MUTUAL with a CRL next to the CA (`ca.crl`), as Istio reads it.
      { ...tlsSecretResource('gw-crl', 'istio-system', gwCred, clientCa.certPem), data: { ...(tlsSecretResource('gw-crl', 'istio-system', gwCred, clientCa.certPem).data as Record<string, string>), 'ca.crl': Buffer.from(crl).toString('base64') } },
      // The sidecar's TLS upstream: MUTUAL with a client certificate from a Secret of its namespace.
      service('db', 'shop', { app: 'db' }, [{ name: 'http-db', port: 9443 }]),
      workloadEntry('db-1', 'shop', '127.0.0.1', { app: 'db' }, { 'http-db': (upstream.address() as AddressInfo).port }),
      genericSecretResource('db-client', 'shop', client, upstreamCa.certPem),
      { apiVersion: NET, kind: 'DestinationRule', metadata: { name: 'db', namespace: 'shop' }, spec: { host: 'db.shop.svc.cluster.local', workloadSelector: { matchLabels: { app: 'checkout' } }, trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 'db-client', sni: 'db.example.test', subjectAltNames: ['db.example.test'] } } } },
      // SIMPLE: the server verified with the CA of the `api-ca-cacert` Secret, SNI and SAN as given.
      service('api', 'shop', { app: 'api' }, [{ name: 'http-api', port: 9444 }]),
      service('api-wrong', 'shop', { app: 'api' }, [{ name: 'http-api', port: 9444 }]),
      workloadEntry('api-1', 'shop', '127.0.0.1', { app: 'api' }, { 'http-api': (plainUpstream.address() as AddressInfo).port }),
      tlsSecretResource('api-ca-cacert', 'shop', undefined, upstreamCa.certPem),
      { apiVersion: NET, kind: 'DestinationRule', metadata: { name: 'api', namespace: 'shop' }, spec: { host: 'api.shop.svc.cluster.local', workloadSelector: { matchLabels: { app: 'checkout' } }, trafficPolicy: { tls: { mode: 'SIMPLE', credentialName: 'api-ca', sni: 'api.example.test', subjectAltNames: ['api.example.test'] } } } },
      { apiVersion: NET, kind: 'DestinationRule', metadata: { name: 'api-wrong', namespace: 'shop' }, spec: { host: 'api-wrong.shop.svc.cluster.local', workloadSelector: { matchLabels: { app: 'checkout' } }, trafficPolicy: { tls: { mode: 'SIMPLE', credentialName: 'api-ca', sni: 'api.example.test', subjectAltNames: ['someone-else.example.test'] } } } },
    );
    ads = new AdsServer({ logger: log });
    xdsPort = await ads.listen('127.0.0.1:0');
    // 15012: the controller's rule (mesh client certificate bound to the node), over real TLS.
    xdsTlsPort = await ads.listen('127.0.0.1:0', serving.credentials, ads.createAuthorizedServer(meshCertificateAuthorizer(meshCa)));
    controller = new XdsController({ store, ads, debounce: { quietMs: 20, maxMs: 200 } });
    await controller.start();

    // As `plexus proxy --xds-tls`: the workload certificate first, then ADS on 15012 presenting it.
    const [gwAgent, scAgent] = await Promise.all([agentFor('istio-system', GATEWAY_SA), agentFor('shop', SIDECAR_SA)]);
    const common = { logger: log, bindAddress: remapBindAddress({ host: '127.0.0.1', otherPorts: 'ephemeral' }), health: false as const };
    ingress = new ProxyProcess({
      ...common,
      certificates: gwAgent,
      xds: {
        address: `127.0.0.1:${xdsTlsPort}`, tls: xdsTlsFromCertificate(gwAgent.current()!),
        node: { type: 'router', ip: '127.0.0.1', podName: 'ingress-1', namespace: 'istio-system', serviceAccount: GATEWAY_SA, labels: { istio: 'ingressgateway' } },
        mode: GATEWAY_MODE, backoff: { initialMs: 50, maxMs: 200 }, initialFetchTimeoutMs: 3000,
      },
    });
    sidecar = new ProxyProcess({
      ...common,
      certificates: scAgent,
      xds: {
        address: `127.0.0.1:${xdsTlsPort}`, tls: xdsTlsFromCertificate(scAgent.current()!),
        node: { type: 'sidecar', ip: '127.0.0.1', podName: 'checkout-1', namespace: 'shop', serviceAccount: SIDECAR_SA, labels: { app: 'checkout' }, extraMetadata: explicitInterceptionMetadata({ httpProxyPort: HTTP_PROXY_PORT, inbound: new Map() }) },
        backoff: { initialMs: 50, maxMs: 200 },
        initialFetchTimeoutMs: 5000,
      },
    });
    unfollow.push(followClientCertificate(ingress.xds!, gwAgent), followClientCertificate(sidecar.xds!, scAgent));
    await Promise.all([ingress.start(), sidecar.start()]);
    await Promise.all([ingress.whenReady(), sidecar.whenReady()]);
    // Every credential arrived over SDS before the first snapshot was published (no warming timeout).
    for (const name of ['kubernetes://gw-cert', 'kubernetes://gw-mtls', 'kubernetes://gw-mtls-cacert']) assert.ok(ingress.holder.current.secrets.get(name), `${name} missing on the gateway`);
    assert.ok(sidecar.holder.current.secrets.get('kubernetes://db-client'), 'kubernetes://db-client missing on the sidecar');
  });

  after(async () => {
    for (const s of open) s.destroy();
    for (const c of rawClients) c.close();
    for (const u of unfollow) u();
    await Promise.all([ingress?.stop(), sidecar?.stop()]);
    for (const a of agents) a.stop();
    controller?.stop();
    await ads?.close();
    await caServer?.close();
    serving?.close();
    await store?.close();
    await Promise.all([backend, upstream, plainUpstream].map((s) => new Promise<void>((r) => (s ? s.close(() => r()) : r()))));
  });

  it('gateway SIMPLE: HTTPS with the certificate of the Secret, verified against its CA', async () => {
    let ok = 0;
    for (let i = 0; i < 5; i++) {
      const r = await getOnce(port(ingress, '0.0.0.0_443'), { ca: serverCa.certPem });
      assert.ok(!('error' in r), JSON.stringify(r));
      assert.equal(r.status, 200);
      assert.equal(r.body, 'backend ok /');
      assert.equal(r.serial, gwCred.serial);
      ok++;
    }
    assert.equal(ok, 5);
  });

  it('both proxies hold verified streams on 15012 (their certificates proved namespace and service account)', () => {
    const verified = ads.connections().map((s) => [s.proxy?.id.split('~')[0], s.proxy?.namespace, s.proxy?.verified === true, ads.verifiedIdentity(s)?.serviceAccount]).sort();
    assert.deepEqual(verified, [['router', 'istio-system', true, GATEWAY_SA], ['sidecar', 'shop', true, SIDECAR_SA]]);
  });

  it('attack: a plaintext (15010) stream claiming to be the gateway gets no Secret, over SotW and Delta', async () => {
    const client = new AdsTestClient(xdsPort);
    rawClients.push(client);
    const node = testNode(`router~127.0.0.1~ingress-evil.istio-system~istio-system.svc.cluster.local`, { NAMESPACE: 'istio-system', SERVICE_ACCOUNT: GATEWAY_SA, LABELS: { istio: 'ingressgateway' } });
    const wanted = ['kubernetes://gw-cert', 'kubernetes://gw-mtls', 'kubernetes://gw-mtls-cacert', 'kubernetes://istio-system/gw-cert'];
    const sotw = client.sotw();
    sotw.send({ node, type_url: TYPE_URL.secret, resource_names: wanted });
    const res = await sotw.next();
    assert.equal(res.type_url, TYPE_URL.secret);
    assert.deepEqual((res.resources as ProtoObject[]).map((r) => String(unpackAny(r as Parameters<typeof unpackAny>[0]).name)), []);
    sotw.close();
    const delta = client.delta();
    delta.send({ node, type_url: TYPE_URL.secret, resource_names_subscribe: wanted });
    const d = await delta.next();
    assert.deepEqual((d.resources as ProtoObject[] | undefined ?? []).map((r) => String(r.name)), []);
    delta.close();
    // The same gateway's own verified stream does hold them.
    assert.ok(ingress.holder.current.secrets.get('kubernetes://gw-cert')?.privateKey);
  });

  it('attack: a verified workload of another namespace cannot name the gateway\'s Secret on 15012', async () => {
    const shopCert = (agents[1] ?? assert.fail('no sidecar agent')).current()!;
    const client = new TlsAdsClient(xdsTlsPort, shopCert.rootsPem, shopCert);
    rawClients.push(client);
    const s = client.sotw();
    const node = testNode(`router~127.0.0.1~shop-gw.shop~shop.svc.cluster.local`, { NAMESPACE: 'shop', SERVICE_ACCOUNT: SIDECAR_SA });
    s.send({ node, type_url: TYPE_URL.secret, resource_names: ['kubernetes://istio-system/gw-cert', 'kubernetes://istio-system/gw-mtls'] });
    const res = await s.next();
    assert.deepEqual((res.resources as ProtoObject[]).map((r) => String(unpackAny(r as Parameters<typeof unpackAny>[0]).name)), []);
    s.close();
  });

  it('gateway MUTUAL: a client certificate of the NAME-cacert CA gets through; none, or one of another CA, does not', async () => {
    const p = port(ingress, '0.0.0.0_8443');
    const outcomes = { trusted: 0, none: 0, rogue: 0 };
    for (let i = 0; i < 3; i++) {
      const good = await getOnce(p, { ca: serverCa.certPem, cert: client.certPem, key: client.keyPem });
      if (!('error' in good) && good.status === 200 && good.body === 'backend ok /') outcomes.trusted++;
      if ('error' in (await getOnce(p, { ca: serverCa.certPem }))) outcomes.none++;
      if ('error' in (await getOnce(p, { ca: serverCa.certPem, cert: rogue.certPem, key: rogue.keyPem }))) outcomes.rogue++;
    }
    assert.deepEqual(outcomes, { trusted: 3, none: 3, rogue: 3 });
  });

  it('DestinationRule MUTUAL from a sidecar: the upstream that demands a client certificate sees the Secret\'s', async () => {
    const proxyPort = port(sidecar, `127.0.0.1_${HTTP_PROXY_PORT}`);
    let ok = 0;
    for (let i = 0; i < 3; i++) {
      const res = await fetchVia(proxyPort, 'http://db.shop.svc.cluster.local:9443/');
      assert.equal(res.status, 200, res.body);
      assert.equal(res.body, `client ${client.serial}`);
      ok++;
    }
    assert.equal(ok, 3);
  });

  it('gateway MUTUAL with verifyCertificateHash: only the pinned client certificate gets through', async () => {
    const p = port(ingress, '0.0.0.0_8444');
    const outcomes = { pinned: 0, otherOfSameCa: 0 };
    for (let i = 0; i < 3; i++) {
      const r = await getOnce(p, { ca: serverCa.certPem, cert: pinnedClient.certPem, key: pinnedClient.keyPem });
      if (!('error' in r) && r.status === 200) outcomes.pinned++;
      if ('error' in (await getOnce(p, { ca: serverCa.certPem, cert: client.certPem, key: client.keyPem }))) outcomes.otherOfSameCa++;
    }
    assert.deepEqual(outcomes, { pinned: 3, otherOfSameCa: 3 });
  });

  it('gateway MUTUAL with a CRL in the Secret: a revoked client certificate is refused, others of the CA pass', async () => {
    const p = port(ingress, '0.0.0.0_8445');
    const outcomes = { valid: 0, revoked: 0 };
    for (let i = 0; i < 3; i++) {
      const r = await getOnce(p, { ca: serverCa.certPem, cert: client.certPem, key: client.keyPem });
      if (!('error' in r) && r.status === 200) outcomes.valid++;
      if ('error' in (await getOnce(p, { ca: serverCa.certPem, cert: revokedClient.certPem, key: revokedClient.keyPem }))) outcomes.revoked++;
    }
    assert.deepEqual(outcomes, { valid: 3, revoked: 3 });
  });

  it('DestinationRule SIMPLE from a sidecar: the server verified with the credential\'s CA, SNI sent; a SAN mismatch fails the request', async () => {
    const proxyPort = port(sidecar, `127.0.0.1_${HTTP_PROXY_PORT}`);
    const ok = await fetchVia(proxyPort, 'http://api.shop.svc.cluster.local:9444/');
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.body, 'api api.example.test');
    const wrong = await fetchVia(proxyPort, 'http://api-wrong.shop.svc.cluster.local:9444/');
    assert.equal(wrong.status, 503, wrong.body);
  });

  it('rotation: a changed Secret reaches the gateway within a push; new handshakes see the new serial, open connections stay', async () => {
    const p = port(ingress, '0.0.0.0_443');
    const before = await connectTls(p, { ca: serverCa.certPem });
    assert.ok(!('error' in before), JSON.stringify(before));
    open.push(before.socket);
    assert.equal(before.serial, gwCred.serial);
    assert.equal((await exchange(before.socket)).status, 200);
    const pushesBefore = controller.pushCount();
    const listenersBefore = ingress.listeners.address('0.0.0.0_443');

    const rotated = await makeTestCredential(serverCa, [HOST]);
    await apply(tlsSecretResource('gw-cert', 'istio-system', rotated));
    const ms = await waitFor(async () => {
      const r = await getOnce(p, { ca: serverCa.certPem });
      return !('error' in r) && r.serial === rotated.serial && r.status === 200;
    }, 5000, 'a handshake with the rotated certificate');
    assert.ok(ms < 5000);
    assert.ok(controller.pushCount() > pushesBefore, 'the Secret change was pushed');
    // Same listener socket (no restart, no rebind), and the connection from before still serves.
    assert.deepEqual(ingress.listeners.address('0.0.0.0_443'), listenersBefore);
    const again = await exchange(before.socket);
    assert.equal(again.status, 200);
  });

  it('rotation of a DestinationRule client certificate: new upstream connections present the new one', async () => {
    const proxyPort = port(sidecar, `127.0.0.1_${HTTP_PROXY_PORT}`);
    const rotated = await makeTestCredential(clientCa, ['client.example.com']);
    await apply(genericSecretResource('db-client', 'shop', rotated, upstreamCa.certPem));
    await waitFor(async () => (await fetchVia(proxyPort, 'http://db.shop.svc.cluster.local:9443/')).body === `client ${rotated.serial}`, 5000, 'the upstream to see the rotated client certificate');
    let seen = 0;
    for (let i = 0; i < 3; i++) if ((await fetchVia(proxyPort, 'http://db.shop.svc.cluster.local:9443/')).body === `client ${rotated.serial}`) seen++;
    assert.equal(seen, 3);
  });

  it('a Secret change is pushed to proxies of its namespace only, and only as SDS', async () => {
    const sidecarVersions = { ...sidecar.holder.current.versions };
    const ingressVersions = { ...ingress.holder.current.versions };
    const rotated = await makeTestCredential(serverCa, [HOST]);
    await apply(tlsSecretResource('gw-mtls', 'istio-system', rotated));
    await waitFor(() => ingress.holder.current.secrets.get('kubernetes://gw-mtls')?.certificateChain === rotated.certPem, 5000, 'the rotated gw-mtls on the gateway');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(sidecar.holder.current.versions, sidecarVersions, 'the sidecar of another namespace got nothing');
    const changed = Object.keys(ingress.holder.current.versions).filter((t) => ingress.holder.current.versions[t] !== ingressVersions[t]);
    assert.deepEqual(changed.map((t) => t.split('.').pop()), ['Secret']);
  });

  it('SotW: a missing credential is waited for once (the initial fetch timeout); later changes are not held back by it', async () => {
    const hasCluster = (name: string): boolean => sidecar.holder.current.clusters.has(name);
    await apply(
      service('late-db', 'shop', { app: 'db' }, [{ name: 'http-db', port: 9446 }]),
      { apiVersion: NET, kind: 'DestinationRule', metadata: { name: 'late-db', namespace: 'shop' }, spec: { host: 'late-db.shop.svc.cluster.local', workloadSelector: { matchLabels: { app: 'checkout' } }, trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 'late-client' } } } },
    );
    const waited = await waitFor(() => hasCluster('outbound|9446||late-db.shop.svc.cluster.local'), 10_000, 'the cluster whose credential is missing');
    assert.ok(waited >= 2000, `published after ${waited} ms: SotW cannot tell a missing Secret from a slow one, so it waits`);
    assert.ok(!sidecar.holder.current.secrets.has('kubernetes://late-client'));
    // A request to it fails cleanly (no client certificate to present: 503), others still work.
    const proxyPort = port(sidecar, `127.0.0.1_${HTTP_PROXY_PORT}`);
    assert.equal((await fetchVia(proxyPort, 'http://late-db.shop.svc.cluster.local:9446/')).status, 503);
    assert.equal((await fetchVia(proxyPort, 'http://db.shop.svc.cluster.local:9443/')).status, 200);
    await apply(service('later', 'shop', { app: 'later' }, [{ name: 'http', port: 9447 }]));
    const next = await waitFor(() => hasCluster('outbound|9447||later.shop.svc.cluster.local'), 10_000, 'a later change');
    assert.ok(next < 1500, `a later change waited ${next} ms behind the missing credential`);
  });

  it('a missing Secret: the listener is still served and its handshakes fail cleanly; the credential arriving later heals it', async () => {
    await apply(gateway('late', [{ port: { number: 9443, name: 'https-late', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'late-cert' } }]));
    const served = await waitFor(() => ingress.listeners.address('0.0.0.0_9443') !== undefined, 10_000, 'the listener of a server whose Secret is missing');
    // Over Delta the controller says the Secret does not exist, so nothing waits for it (Envoy's SDS init completes).
    assert.ok(served < 1500, `the listener waited ${served} ms for a Secret the controller reported missing`);
    const p = port(ingress, '0.0.0.0_9443');
    const failed = await getOnce(p, { ca: serverCa.certPem });
    assert.ok('error' in failed, JSON.stringify(failed));
    // The other listeners still serve.
    const fine = await getOnce(port(ingress, '0.0.0.0_443'), { ca: serverCa.certPem });
    assert.ok(!('error' in fine) && fine.status === 200);
    // Later changes are not held back by the secret still missing (it was waited for once).
    await apply({ apiVersion: NET, kind: 'VirtualService', metadata: { name: 'late', namespace: 'istio-system' }, spec: { hosts: [HOST], gateways: ['late'], http: [{ route: [{ destination: { host: 'web.shop.svc.cluster.local', port: { number: 8080 } } }] }] } });
    const routed = await waitFor(() => (ingress.holder.current.routes.get('https.9443.https-late.late.istio-system')?.virtualHosts ?? []).some((v) => v.domains.includes(HOST)), 5000, 'the VirtualService of the late server');
    assert.ok(routed < 1500, `a config change waited ${routed} ms behind the missing secret`);
    await apply(tlsSecretResource('late-cert', 'istio-system', gwCred));
    await waitFor(async () => {
      const r = await getOnce(p, { ca: serverCa.certPem });
      return !('error' in r) && r.serial === gwCred.serial && r.status === 200;
    }, 5000, 'the late Secret to be served');
  });
});

/** An absolute-form HTTP/1.1 request through an HTTP proxy listener. */
function fetchVia(proxyPort: number, url: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: proxyPort, path: url, headers: { host: new URL(url).host }, agent: false });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

