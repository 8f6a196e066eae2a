// The mesh CA inside a real `plexus controller`: CSRs over 15010 with minted tokens, a restart
// that keeps the root, a plugged-in intermediate (--cacerts), token minting and CA metrics.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ServiceError } from '@grpc/grpc-js';
import { openssl, tempDir } from './ca-support.js';
import { issue, mintToken, opensslVerify, startIdentityController } from './identity-support.js';
import type { ControllerProcess } from './support/controller-process.js';

const SPIFFE = 'spiffe://cluster.local/ns/bookinfo/sa/reviews';

describe('plexus controller runs the mesh CA', { timeout: 120_000 }, () => {
  const tmp = tempDir('identity-ca');
  const running: ControllerProcess[] = [];
  after(async () => {
    for (const c of running) await c.stop();
    tmp.cleanup();
  });
  const home = join(tmp.dir, 'home');
  let firstLeaf = '';
  let firstRoot = '';

  it('(a) answers a CSR on 15010 authenticated by a token from `plexus x ca token`, with a chain openssl verifies', async (t) => {
    const c = await startIdentityController(home);
    running.push(c);
    const token = await mintToken(home, 'bookinfo', 'reviews');
    const started = Date.now();
    const cert = await issue({ address: `127.0.0.1:${c.ports.xds}` }, { token });
    t.diagnostic(`CSR over 15010 answered in ${Date.now() - started} ms with ${cert.chain.length} certificates`);
    assert.equal(cert.chain.length, 2, 'leaf and root');
    const leaf = new X509Certificate(cert.chain[0]!);
    assert.equal(leaf.subjectAltName, `URI:${SPIFFE}`);
    const hours = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 3600_000;
    assert.ok(hours > 24 && hours < 24.1, `24 h plus the 60 s backdate, got ${hours}`);
    const ok = opensslVerify(tmp.dir, cert.rootsPem, cert.chain[0]!);
    assert.equal(ok.status, 0, ok.out);
    // The trust bundle is the one the CA keeps in its state dir.
    assert.equal(cert.rootsPem.trim(), readFileSync(join(home, 'ca', 'root-cert.pem'), 'utf8').trim());
    firstLeaf = cert.chain[0]!;
    firstRoot = cert.rootsPem;

    // No token, a forged one: refused with Istio's status codes.
    await assert.rejects(issue({ address: `127.0.0.1:${c.ports.xds}` }, {}), (e: ServiceError) => e.code === 16);
    await assert.rejects(issue({ address: `127.0.0.1:${c.ports.xds}` }, { token: `${token.slice(0, -4)}AAAA` }), (e: ServiceError) => e.code === 16);

    // The admin API mints only for its own token holders.
    const unauth = await fetch(`http://127.0.0.1:${c.ports.admin}/v1/tokens`, { method: 'POST', body: JSON.stringify({ namespace: 'a', serviceAccount: 'b' }) });
    assert.equal(unauth.status, 401);
    const adminToken = readFileSync(join(home, 'admin-token'), 'utf8').trim();
    const minted = await fetch(`http://127.0.0.1:${c.ports.admin}/v1/tokens`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ namespace: 'bookinfo', serviceAccount: 'ratings', ttl: 60 }) });
    assert.equal(minted.status, 200);
    const body = await minted.json() as { token: string; trustDomain: string; expiresAt: string };
    assert.equal(body.trustDomain, 'cluster.local');
    assert.ok(Date.parse(body.expiresAt) - Date.now() <= 61_000);
    const bad = await fetch(`http://127.0.0.1:${c.ports.admin}/v1/tokens`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` }, body: JSON.stringify({ namespace: 'Not_A_Namespace', serviceAccount: 'x' }) });
    assert.equal(bad.status, 400);

    // CA metrics on 15014.
    const metrics = (await c.monitoring('/metrics')).text;
    assert.match(metrics, /^citadel_server_csr_count 3$/m);
    assert.match(metrics, /^citadel_server_success_cert_issuance_count 1$/m);
    assert.match(metrics, /^plexus_ca_csr_errors_total\{reason="no-credentials"\} 1$/m);
    assert.match(metrics, /^plexus_ca_csr_errors_total\{reason="bad-signature"\} 1$/m);
    assert.match(metrics, /^plexus_ca_csr_duration_seconds_count 3$/m);
    assert.match(metrics, /^citadel_server_root_cert_expiry_timestamp \d+$/m);
  });

  it('(b) keeps its root across a restart: earlier certificates still verify, earlier tokens still work', async () => {
    const token = await mintToken(home, 'bookinfo', 'reviews');
    await running.pop()!.stop();
    const c = await startIdentityController(home);
    running.push(c);
    assert.match(c.log, /CA loaded its self-signed root/);
    const cert = await issue({ address: `127.0.0.1:${c.ports.xds}` }, { token });
    assert.equal(cert.rootsPem.trim(), firstRoot.trim(), 'same root after restart');
    const ok = opensslVerify(tmp.dir, cert.rootsPem, firstLeaf);
    assert.equal(ok.status, 0, ok.out);
    await running.pop()!.stop();
  });

  it('(c) with --cacerts signs with the plugged-in intermediate; chains go through it to the given root', async (t) => {
    const dir = join(tmp.dir, 'cacerts');
    mkdirSync(dir, { recursive: true });
    const run = (args: string[]): void => {
      const r = openssl(args);
      assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
    };
    // An offline root and an intermediate it signs, made with openssl rather than Plexus's code.
    run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'root-key.pem'), '-out', join(dir, 'root-cert.pem'), '-days', '3650',
      '-subj', '/O=Plexus Test/CN=Test Root CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ca-key.pem'), '-out', join(dir, 'ca.csr'), '-subj', '/O=Plexus Test/CN=Test Intermediate CA']);
    writeFileSync(join(dir, 'ext.cnf'), '[v3_intermediate]\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
    run(['x509', '-req', '-in', join(dir, 'ca.csr'), '-CA', join(dir, 'root-cert.pem'), '-CAkey', join(dir, 'root-key.pem'), '-set_serial', '0x5eed', '-days', '730',
      '-extfile', join(dir, 'ext.cnf'), '-extensions', 'v3_intermediate', '-out', join(dir, 'ca-cert.pem')]);
    const rootPem = readFileSync(join(dir, 'root-cert.pem'), 'utf8');
    const intermediatePem = readFileSync(join(dir, 'ca-cert.pem'), 'utf8');
    writeFileSync(join(dir, 'cert-chain.pem'), intermediatePem + rootPem);

    const pluggedHome = join(tmp.dir, 'plugged-home');
    const c = await startIdentityController(pluggedHome, ['--cacerts', dir]);
    running.push(c);
    assert.match(c.log, /CA uses plugged-in certificates/);
    const cert = await issue({ address: `127.0.0.1:${c.ports.xds}` }, { token: await mintToken(pluggedHome, 'bookinfo', 'reviews') });
    assert.equal(cert.chain.length, 3, 'leaf, intermediate, root');
    assert.equal(new X509Certificate(cert.chain[1]!).fingerprint256, new X509Certificate(intermediatePem).fingerprint256);
    assert.equal(new X509Certificate(cert.chain[2]!).fingerprint256, new X509Certificate(rootPem).fingerprint256);
    assert.ok(new X509Certificate(cert.chain[0]!).checkIssued(new X509Certificate(intermediatePem)));
    const ok = opensslVerify(tmp.dir, rootPem, cert.chain[0]!, cert.chain[1]!);
    assert.equal(ok.status, 0, ok.out);
    const cut = opensslVerify(tmp.dir, rootPem, cert.chain[0]!);
    assert.notEqual(cut.status, 0, 'without the intermediate the leaf does not reach the root');
    t.diagnostic(`plugged chain: ${cert.chain.map((p) => (new X509Certificate(p).subject ?? '').replace(/\n/g, ',') || '(empty subject)').join(' <- ')}`);
    await running.pop()!.stop();
  });
});
