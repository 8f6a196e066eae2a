// Upstream mTLS: certificates from SDS secrets, SAN verification against SPIFFE ids,
// auto-mTLS by endpoint metadata, HTTP/2 over TLS, and rotation of the client certificate.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createSecureServer } from 'node:http2';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { SecretConfig, UpstreamTlsConfig } from '../src/proxy/config/model.js';
import { isUpstreamError } from '../src/proxy/upstream/upstream-error.js';
import { assignment, cluster, endpoint, locality, managerFor, snapshot, testCa, text } from './proxy-upstream-support.js';

const SERVER_ID = 'spiffe://cluster.local/ns/default/sa/reviews';
const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/productpage';

describe('upstream mTLS', () => {
  let server: Server;
  let port: number;
  let secrets: SecretConfig[];
  const peers: string[] = [];

  before(async () => {
    const ca = await testCa();
    const srv = await ca.issue(SERVER_ID);
    const cli = await ca.issue(CLIENT_ID);
    secrets = [
      { name: 'default', certificateChain: cli.cert, privateKey: cli.key },
      { name: 'ROOTCA', trustedCa: ca.caPem },
    ];
    server = createServer({ cert: srv.cert, key: srv.key, ca: ca.caPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      peers.push(peer.subjectaltname ?? '');
      res.end(`hello ${(req.socket as TLSSocket).alpnProtocol}`);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const tls = (sans: string[], over: Partial<UpstreamTlsConfig> = {}): UpstreamTlsConfig => ({
    sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
    certificateSecrets: ['default'],
    validationSecret: 'ROOTCA',
    matchSubjectAltNames: sans.map((value) => ({ kind: 'exact' as const, value })),
    alpnProtocols: ['http/1.1'],
    istioMutual: true,
    insecureSkipVerify: false,
    ...over,
  });

  it('connects with the workload certificate when the server SAN matches', async () => {
    const c = cluster('ok', { tls: tls([SERVER_ID]), loadAssignment: assignment('ok', [locality([endpoint('127.0.0.1', port)])]) });
    const { manager } = managerFor(snapshot([c], { secrets }));
    try {
      const res = await manager.request('ok', { method: 'GET', path: '/', headers: {} });
      assert.equal(await text(res.body), 'hello http/1.1');
      assert.ok(peers.at(-1)?.includes(CLIENT_ID), 'server saw the client SPIFFE id');
    } finally {
      await manager.close();
    }
  });

  it('refuses a server whose SAN is not expected (UF, tls_san_mismatch)', async () => {
    const c = cluster('wrong', { tls: tls(['spiffe://cluster.local/ns/default/sa/ratings']), loadAssignment: assignment('wrong', [locality([endpoint('127.0.0.1', port)])]) });
    const { manager } = managerFor(snapshot([c], { secrets }));
    try {
      await assert.rejects(manager.request('wrong', { method: 'GET', path: '/', headers: {} }), (e) => {
        assert.ok(isUpstreamError(e, 'UF'), String(e));
        assert.equal(e.reason, 'tls_san_mismatch');
        assert.match(e.options.transportFailureReason ?? '', /tls_san_mismatch/);
        return true;
      });
      await assert.rejects(manager.connect('wrong'), (e) => isUpstreamError(e, 'UF'));
    } finally {
      await manager.close();
    }
  });

  it('fails with UF when the trust bundle does not hold the server CA, or a secret is missing', async () => {
    const other = await testCa();
    const c = cluster('untrusted', { tls: tls([SERVER_ID]), loadAssignment: assignment('untrusted', [locality([endpoint('127.0.0.1', port)])]) });
    const { manager } = managerFor(snapshot([c], { secrets: [secrets[0], { name: 'ROOTCA', trustedCa: other.caPem }] }));
    const missing = managerFor(snapshot([cluster('nosecret', { tls: tls([SERVER_ID]), loadAssignment: assignment('nosecret', [locality([endpoint('127.0.0.1', port)])]) })]));
    try {
      await assert.rejects(manager.request('untrusted', { method: 'GET', path: '/', headers: {} }), (e) => isUpstreamError(e, 'UF') && e.reason === 'tls_handshake_failure');
      await assert.rejects(missing.manager.request('nosecret', { method: 'GET', path: '/', headers: {} }), (e) => isUpstreamError(e, 'UF') && e.reason === 'tls_secret_missing');
    } finally {
      await manager.close();
      await missing.manager.close();
    }
  });

  it('uses mTLS only for endpoints labelled tlsMode=istio (auto-mTLS)', async () => {
    const c = cluster('auto', {
      tlsMatches: [{ name: 'tlsMode-istio', matchMetadata: { 'istio.tlsMode': 'istio' }, tls: tls([SERVER_ID]) }, { name: 'tlsMode-disabled', matchMetadata: {} }],
      loadAssignment: assignment('auto', [locality([endpoint('127.0.0.1', port, { metadata: { 'istio.tlsMode': 'istio' } })])]),
    });
    const { manager } = managerFor(snapshot([c], { secrets }));
    try {
      const res = await manager.request('auto', { method: 'GET', path: '/', headers: {} });
      assert.equal(await text(res.body), 'hello http/1.1');
    } finally {
      await manager.close();
    }
  });

  it('speaks HTTP/2 over TLS with ALPN h2, and picks up a rotated client certificate', async () => {
    const ca = await testCa();
    const srv = await ca.issue(SERVER_ID);
    const seen: string[] = [];
    const h2 = createSecureServer({ cert: srv.cert, key: srv.key, ca: ca.caPem, requestCert: true, rejectUnauthorized: true, allowHTTP1: false }, (req, res) => {
      seen.push((req.socket as TLSSocket).getPeerCertificate().serialNumber);
      res.end('h2');
    });
    h2.listen(0, '127.0.0.1');
    await once(h2, 'listening');
    const h2port = (h2.address() as AddressInfo).port;
    const c1 = await ca.issue(CLIENT_ID);
    const c = cluster('h2tls', { http2: true, tls: tls([SERVER_ID], { alpnProtocols: [] }), loadAssignment: assignment('h2tls', [locality([endpoint('127.0.0.1', h2port)])]) });
    const secretsFor = (cert: { cert: string; key: string }): SecretConfig[] => [
      { name: 'default', certificateChain: cert.cert, privateKey: cert.key },
      { name: 'ROOTCA', trustedCa: ca.caPem },
    ];
    const { holder, manager } = managerFor(snapshot([c], { secrets: secretsFor(c1) }));
    try {
      const r1 = await manager.request('h2tls', { method: 'GET', path: '/', headers: { host: 'reviews' } });
      assert.equal(await text(r1.body), 'h2');
      // Rotation: a new secret and a cluster update; new connections use the new certificate.
      const c2 = await ca.issue(CLIENT_ID);
      holder.replace(snapshot([{ ...c }], { secrets: secretsFor(c2) }));
      const r2 = await manager.request('h2tls', { method: 'GET', path: '/', headers: { host: 'reviews' } });
      assert.equal(await text(r2.body), 'h2');
      assert.equal(seen.length, 2);
      assert.notEqual(seen[0], seen[1], 'second connection presented the rotated certificate');
    } finally {
      await manager.close();
      await new Promise<void>((r) => h2.close(() => r()));
    }
  });
});
