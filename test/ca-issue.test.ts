import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createKeyAndCsr } from '../src/agent/workload-key.js';
import { requestCertificate } from '../src/agent/ca-client.js';
import { CertificateAuthority } from '../src/ca/certificate-authority.js';
import { renderPrometheusText } from '../src/telemetry/prometheus-text.js';
import { openssl, silent, startCaServer, tempDir } from './ca-support.js';

const DAY = 86_400_000;

describe('CA issues workload certificates over gRPC', () => {
  const home = tempDir('ca-issue');
  let ca: CertificateAuthority;
  let srv: Awaited<ReturnType<typeof startCaServer>>;
  before(async () => {
    ca = await CertificateAuthority.open({ home: home.dir, logger: silent });
    srv = await startCaServer(ca);
  });
  after(async () => {
    await srv.close();
    home.cleanup();
  });

  it('issues a chain that openssl verifies, with the SAN from the token, not the CSR', async () => {
    const token = ca.mintWorkloadToken({ namespace: 'bookinfo', serviceAccount: 'reviews', ttl: 600 });
    const { csrPem } = await createKeyAndCsr('ec-p256', 'spiffe://evil.example/ns/kube-system/sa/admin');
    const chain = await requestCertificate({ address: srv.address }, { csrPem, token, validitySeconds: 0, timeoutMs: 5000 });
    assert.equal(chain.length, 2, 'leaf and root');
    const dir = tempDir('ca-verify');
    try {
      writeFileSync(join(dir.dir, 'leaf.pem'), chain[0]);
      writeFileSync(join(dir.dir, 'chain.pem'), chain.slice(1).join(''));
      writeFileSync(join(dir.dir, 'root-cert.pem'), chain[chain.length - 1]);
      const v = openssl(['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', join(dir.dir, 'root-cert.pem'), '-untrusted', join(dir.dir, 'chain.pem'), join(dir.dir, 'leaf.pem')]);
      assert.equal(v.status, 0, `openssl verify: ${v.stdout}${v.stderr}`);
      assert.match(v.stdout, /leaf\.pem: OK/);
      const text = openssl(['x509', '-in', join(dir.dir, 'leaf.pem'), '-noout', '-text']).stdout;
      assert.match(text, /ASN1 OID: prime256v1/);
      assert.match(text, /Digital Signature, Key Encipherment/);
      assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
      assert.match(text, /CA:FALSE/);
      assert.match(text, /X509v3 Subject Alternative Name: critical\s+URI:spiffe:\/\/cluster\.local\/ns\/bookinfo\/sa\/reviews\n/);
      assert.doesNotMatch(text, /evil|DNS:/);
    } finally {
      dir.cleanup();
    }
    const leaf = new X509Certificate(chain[0]);
    assert.equal(leaf.subjectAltName, 'URI:spiffe://cluster.local/ns/bookinfo/sa/reviews');
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const lifetime = Date.parse(leaf.validTo) - Date.now();
    assert.ok(Math.abs(lifetime - DAY) < 5000, `default TTL is 24 h, got ${lifetime} ms`);
    const root = new X509Certificate(chain[1]);
    assert.ok(root.ca);
    assert.equal(root.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const rootYears = (Date.parse(root.validTo) - Date.parse(root.validFrom)) / (365 * DAY);
    assert.ok(rootYears > 9.99 && rootYears < 10.01, `root lives 10 years, got ${rootYears}`);
  });

  it('caps a validity beyond 90 days at 90 days and honours a shorter one', async () => {
    const token = ca.mintWorkloadToken({ namespace: 'default', serviceAccount: 'sleep' });
    const { csrPem } = await createKeyAndCsr('ec-p256');
    const long = await requestCertificate({ address: srv.address }, { csrPem, token, validitySeconds: 200 * 86400, timeoutMs: 5000 });
    const longLife = Date.parse(new X509Certificate(long[0]).validTo) - Date.now();
    assert.ok(Math.abs(longLife - 90 * DAY) < 5000, `capped at 90 days, got ${longLife / DAY} days`);
    const short = await requestCertificate({ address: srv.address }, { csrPem, token, validitySeconds: 3600, timeoutMs: 5000 });
    const shortLife = Date.parse(new X509Certificate(short[0]).validTo) - Date.now();
    assert.ok(Math.abs(shortLife - 3600_000) < 5000, `1 h asked, got ${shortLife} ms`);
  });

  it('accepts an RSA 2048 CSR', async () => {
    const token = ca.mintWorkloadToken({ namespace: 'default', serviceAccount: 'rsa-client' });
    const { csrPem } = await createKeyAndCsr('rsa-2048');
    const chain = await requestCertificate({ address: srv.address }, { csrPem, token, validitySeconds: 0, timeoutMs: 5000 });
    assert.equal(new X509Certificate(chain[0]).publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  });

  it('keeps its key and token key private in <home>/ca', () => {
    assert.equal(statSync(join(home.dir, 'ca', 'token-key')).mode & 0o777, 0o600);
    const state = JSON.parse(readFileSync(join(home.dir, 'ca', 'state.json'), 'utf8')) as { active: string };
    assert.equal(statSync(join(home.dir, 'ca', 'roots', state.active, 'root-key.pem')).mode & 0o777, 0o600);
  });

  it('counts requests and renders them as Prometheus text', () => {
    const text = renderPrometheusText(srv.handle.metrics.collect());
    assert.match(text, /^# TYPE citadel_server_csr_count counter$/m);
    assert.match(text, /^citadel_server_csr_count 4$/m);
    assert.match(text, /^citadel_server_success_cert_issuance_count 4$/m);
    assert.match(text, /^plexus_ca_csr_duration_seconds_count 4$/m);
    assert.match(text, /^plexus_ca_csr_duration_seconds_bucket\{le="\+Inf"\} 4$/m);
    assert.match(text, /^citadel_server_root_cert_expiry_timestamp \d+$/m);
  });
});

describe('CA options', () => {
  it('makes an RSA 2048 root when asked, and its chains verify', async () => {
    const ca = await CertificateAuthority.open({ keyAlgorithm: 'rsa-2048', logger: silent });
    const { csrPem } = await createKeyAndCsr('ec-p256');
    const chain = await ca.sign(csrPem, { trustDomain: 'cluster.local', namespace: 'a', serviceAccount: 'b' }, 0);
    const root = new X509Certificate(chain[1]);
    assert.equal(root.publicKey.asymmetricKeyType, 'rsa');
    assert.equal(root.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    const dir = tempDir('ca-rsa');
    try {
      writeFileSync(join(dir.dir, 'root.pem'), chain[1]);
      writeFileSync(join(dir.dir, 'leaf.pem'), chain[0]);
      const v = openssl(['verify', '-CAfile', join(dir.dir, 'root.pem'), join(dir.dir, 'leaf.pem')]);
      assert.equal(v.status, 0, v.stderr);
    } finally {
      dir.cleanup();
    }
  });

  it('caps the configured default TTL at 90 days and can refuse long requests like Istio', async () => {
    const ca = await CertificateAuthority.open({ workloadCertTtl: 365 * 86400, excessiveTtl: 'reject', logger: silent });
    assert.equal(ca.defaultTtlSeconds, 90 * 86400);
    assert.throws(() => ca.resolveTtl(91 * 86400), { code: 'PLEXUS_ERR_CA_REFUSED', reason: 'validity-too-long' });
    assert.equal(ca.resolveTtl(0), 90 * 86400);
  });

  it('puts extra roots (trust domain aliases) into the trust bundle', async () => {
    const other = await CertificateAuthority.open({ trustDomain: 'other.mesh', logger: silent });
    const ca = await CertificateAuthority.open({ extraRootsPem: other.trustBundlePem(), logger: silent });
    const bundle = ca.trustBundlePem();
    assert.equal(bundle.match(/BEGIN CERTIFICATE/g)?.length, 2);
    assert.ok(bundle.includes(other.trustBundlePem().trim()));
  });
});
