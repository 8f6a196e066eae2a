import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { describe, it } from 'node:test';
import { CertificateAgent, type WorkloadCertificate } from '../src/agent/certificate-agent.js';
import { CertificateAuthority } from '../src/ca/certificate-authority.js';
import { captureLogger, silent, startCaServer, tempDir } from './ca-support.js';

const SERVER_ID = 'spiffe://cluster.local/ns/bookinfo/sa/reviews';
const CLIENT_ID = 'spiffe://cluster.local/ns/bookinfo/sa/productpage';

/**
 * An mTLS echo server whose certificate follows its agent: every change swaps the server's
 * secure context, so new handshakes use the new certificate and roots while open ones go on.
 */
function mtlsServer(agent: CertificateAgent): Promise<{ port: number; close: () => Promise<void> }> {
  const ctx = (c: WorkloadCertificate): tls.SecureContextOptions => ({ key: c.keyPem, cert: c.certChainPem, ca: c.rootsPem });
  const server = tls.createServer({ ...ctx(agent.current() as WorkloadCertificate), requestCert: true, rejectUnauthorized: true }, (sock) => {
    const peer = sock.getPeerCertificate();
    if (peer.subjectaltname !== `URI:${CLIENT_ID}`) return void sock.destroy();
    sock.once('data', () => sock.end('pong'));
    sock.on('error', () => undefined);
  });
  agent.on('change', (c: WorkloadCertificate) => server.setSecureContext(ctx(c)));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) })));
}

/** One request on a new connection with the client's current certificate; resolves to the server's leaf serial. */
function request(port: number, agent: CertificateAgent): Promise<string> {
  const c = agent.current() as WorkloadCertificate;
  return new Promise((resolve, reject) => {
    const sock = tls.connect({
      host: '127.0.0.1', port, key: c.keyPem, cert: c.certChainPem, ca: c.rootsPem, servername: 'reviews.bookinfo.svc',
      // Mesh peers are named by SPIFFE URI, not by host name.
      checkServerIdentity: (_host, cert) => (cert.subjectaltname === `URI:${SERVER_ID}` ? undefined : new Error(`unexpected server identity ${cert.subjectaltname}`)),
    });
    let data = '';
    let serial = '';
    sock.setTimeout(3000, () => sock.destroy(new Error('timeout')));
    sock.on('secureConnect', () => {
      serial = sock.getPeerCertificate().serialNumber;
      sock.write('ping');
    });
    sock.on('data', (d) => (data += d.toString()));
    sock.on('error', reject);
    sock.on('close', () => (data === 'pong' ? resolve(serial) : reject(new Error(`no pong (${data})`))));
  });
}

/** Sends requests back to back until `until()` is true; counts successes and failures. */
async function traffic(port: number, agent: CertificateAgent, until: () => boolean, deadlineMs: number): Promise<{ ok: number; failed: Error[]; serverSerials: Set<string> }> {
  const failed: Error[] = [];
  const serverSerials = new Set<string>();
  let ok = 0;
  const end = Date.now() + deadlineMs;
  while (!until() && Date.now() < end) {
    try {
      serverSerials.add(await request(port, agent));
      ok++;
    } catch (err) {
      failed.push(err as Error);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return { ok, failed, serverSerials };
}

async function pair(ca: CertificateAuthority, address: string, ttlSeconds: number): Promise<{ server: CertificateAgent; client: CertificateAgent; serverChanges: WorkloadCertificate[]; clientChanges: WorkloadCertificate[] }> {
  const mk = (sa: string): CertificateAgent => new CertificateAgent({
    ca: { address }, token: ca.mintWorkloadToken({ namespace: 'bookinfo', serviceAccount: sa, ttl: 600 }), ttlSeconds, renewal: { jitter: 0.01 }, retry: { initialMs: 50, maxMs: 200 }, logger: silent,
  });
  const server = mk('reviews');
  const client = mk('productpage');
  const serverChanges: WorkloadCertificate[] = [];
  const clientChanges: WorkloadCertificate[] = [];
  server.on('change', (c: WorkloadCertificate) => serverChanges.push(c));
  client.on('change', (c: WorkloadCertificate) => clientChanges.push(c));
  await Promise.all([server.start(), client.start()]);
  return { server, client, serverChanges, clientChanges };
}

describe('agent certificate rotation under mTLS traffic', () => {
  it('a 10 s TTL pair keeps working across at least five rotations with zero failed requests', { timeout: 60_000 }, async () => {
    const ca = await CertificateAuthority.open({ logger: silent, backdateSeconds: 0 });
    const srv = await startCaServer(ca);
    const { server, client, serverChanges, clientChanges } = await pair(ca, srv.address, 10);
    const echo = await mtlsServer(server);
    try {
      const t = await traffic(echo.port, client, () => serverChanges.length >= 6 && clientChanges.length >= 6, 45_000);
      assert.deepEqual(t.failed.map((e) => e.message), [], 'no request failed');
      assert.ok(serverChanges.length >= 6 && clientChanges.length >= 6, `rotations: server ${serverChanges.length - 1}, client ${clientChanges.length - 1}`);
      assert.ok(t.serverSerials.size >= 5, `client saw ${t.serverSerials.size} distinct server certificates`);
      assert.equal(new Set(clientChanges.map((c) => c.keyPem)).size, clientChanges.length, 'a new key every renewal');
      const life = (serverChanges[1].receivedAt.getTime() - serverChanges[0].receivedAt.getTime());
      assert.ok(life > 3000 && life < 7000, `renewed near half-life of a 10 s certificate: ${life} ms`);
      console.log(`# 10 s TTL: ${t.ok} requests, 0 failed, server rotations ${serverChanges.length - 1}, client rotations ${clientChanges.length - 1}, distinct server certs seen ${t.serverSerials.size}`);
    } finally {
      server.stop();
      client.stop();
      await echo.close();
      await srv.close();
    }
  });

  it('a root rotation under traffic has zero failed requests and ends on the new root', { timeout: 90_000 }, async () => {
    const ca = await CertificateAuthority.open({ logger: silent, backdateSeconds: 0 });
    const srv = await startCaServer(ca);
    const { server, client, serverChanges } = await pair(ca, srv.address, 10);
    const echo = await mtlsServer(server);
    try {
      const oldRoot = new X509Certificate(ca.signer().certPem);
      const warmup = await traffic(echo.port, client, () => serverChanges.length >= 2, 10_000);
      // Activation one certificate lifetime later (the CA's default policy): by then every agent
      // has renewed at half-life and holds the new root in its trust bundle.
      const { rootPem, activatesAt } = await ca.rotateRoot({ activateAfterSeconds: 11 });
      const newRoot = new X509Certificate(rootPem);
      const onNewRoot = (c: WorkloadCertificate | undefined): boolean => !!c && new X509Certificate(c.certChainPem).checkIssued(newRoot) && new X509Certificate(c.certChainPem).verify(newRoot.publicKey);
      let settledAt = 0;
      const t = await traffic(echo.port, client, () => {
        if (!settledAt && onNewRoot(server.current()) && onNewRoot(client.current())) settledAt = Date.now();
        return settledAt > 0 && Date.now() - settledAt > 1500;
      }, 45_000);
      const failures = [...warmup.failed, ...t.failed].map((e) => e.message);
      assert.deepEqual(failures, [], 'no request failed');
      assert.ok(settledAt >= activatesAt.getTime(), 'new-root certificates only after activation');
      assert.ok(onNewRoot(server.current()) && onNewRoot(client.current()), 'both ends hold new-root certificates');
      const roots = client.current()?.rootsPem ?? '';
      assert.equal(roots.match(/BEGIN CERTIFICATE/g)?.length, 2, 'both roots trusted during the overlap');
      assert.ok(roots.includes(oldRoot.toString().trim()));
      console.log(`# root rotation: ${warmup.ok + t.ok} requests, 0 failed`);
    } finally {
      server.stop();
      client.stop();
      await echo.close();
      await srv.close();
    }
  });
});

describe('agent over the TLS port', () => {
  it('renews with its own certificate after the bootstrap token expired, and writes files for proxyless gRPC', async () => {
    const out = tempDir('agent-out');
    const capture = captureLogger();
    const ca = await CertificateAuthority.open({ logger: silent, backdateSeconds: 0 });
    const srv = await startCaServer(ca, { tls: true, logger: capture.logger });
    const agent = new CertificateAgent({
      ca: { address: srv.address, tlsRootPem: ca.trustBundlePem(), serverName: 'localhost' },
      token: ca.mintWorkloadToken({ namespace: 'default', serviceAccount: 'grpc-client', ttl: 1 }),
      renewWithCertificate: true, ttlSeconds: 2, outputDir: out.dir, retry: { initialMs: 50, maxMs: 200 }, logger: silent,
    });
    const changes: WorkloadCertificate[] = [];
    agent.on('change', (c: WorkloadCertificate) => changes.push(c));
    try {
      await agent.start();
      const start = Date.now();
      while (changes.length < 4 && Date.now() - start < 15_000) await new Promise((r) => setTimeout(r, 50));
      assert.ok(changes.length >= 4, `renewals: ${changes.length - 1}`);
      const auths = capture.lines.filter((l) => l.msg === 'issued workload certificate').map((l) => l.auth);
      assert.equal(auths[0], 'token');
      assert.ok(auths.slice(1).every((a) => a === 'certificate'), `renewals by certificate: ${auths.join(',')}`);
      assert.equal(changes.at(-1)?.spiffeId, 'spiffe://cluster.local/ns/default/sa/grpc-client');
      const cur = agent.current() as WorkloadCertificate;
      assert.equal(readFileSync(join(out.dir, 'cert-chain.pem'), 'utf8'), cur.certChainPem);
      assert.equal(readFileSync(join(out.dir, 'key.pem'), 'utf8'), cur.keyPem);
      assert.equal(readFileSync(join(out.dir, 'root-cert.pem'), 'utf8'), cur.rootsPem);
      assert.equal(statSync(join(out.dir, 'key.pem')).mode & 0o777, 0o600);
    } finally {
      agent.stop();
      await srv.close();
      out.cleanup();
    }
  });

  it('a certificate from another CA cannot renew on the TLS port', async () => {
    const ca = await CertificateAuthority.open({ logger: silent });
    const stranger = await CertificateAuthority.open({ logger: silent });
    const srv = await startCaServer(ca, { tls: true });
    const strangerSrv = await startCaServer(stranger);
    const foreign = new CertificateAgent({ ca: { address: strangerSrv.address }, token: stranger.mintWorkloadToken({ namespace: 'default', serviceAccount: 'x' }), logger: silent });
    const cert = await foreign.start();
    foreign.stop();
    const agent = new CertificateAgent({ ca: { address: srv.address, tlsRootPem: ca.trustBundlePem(), serverName: 'localhost' }, renewWithCertificate: true, logger: silent, retry: { initialMs: 50, maxMs: 50 } });
    // Seed the agent with the stranger's certificate, as an attacker would present it.
    (agent as unknown as { cert: WorkloadCertificate }).cert = cert;
    const errors: Error[] = [];
    agent.on('fetch-error', (e: Error) => errors.push(e));
    const p = agent.start();
    const start = Date.now();
    while (errors.length === 0 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 20));
    agent.stop();
    await assert.rejects(p);
    assert.ok(errors.length > 0, 'refused');
    assert.equal(srv.handle.metrics.issued.get(), 0);
    await srv.close();
    await strangerSrv.close();
  });
});
