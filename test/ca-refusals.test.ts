import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createKeyAndCsr } from '../src/agent/workload-key.js';
import { istioCertificateService, type IstioCertificateResponse } from '../src/ca/ca-proto.js';
import { CertificateAuthority } from '../src/ca/certificate-authority.js';
import { WorkloadTokenAuthority } from '../src/ca/workload-token.js';
import { captureLogger, openssl, silent, startCaServer, tempDir } from './ca-support.js';

interface Outcome {
  err: grpc.ServiceError | null;
  res: IstioCertificateResponse | undefined;
}

/** Calls CreateCertificate with raw fields, so that tests can send what a well-behaved client would not. */
function call(address: string, req: { csr: string; validity_duration?: string }, authorization?: string): Promise<Outcome> {
  const Service = istioCertificateService();
  const client = new Service(address, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  if (authorization !== undefined) md.set('authorization', authorization);
  return new Promise((resolve) => {
    client.CreateCertificate({ validity_duration: '0', ...req }, md, { deadline: Date.now() + 5000 }, (err: grpc.ServiceError | null, res: IstioCertificateResponse) => {
      client.close();
      resolve({ err, res });
    });
  });
}

function opensslCsr(newkey: string[]): string {
  const r = openssl(['req', '-new', ...newkey, '-nodes', '-subj', '/CN=weak', '-keyout', '/dev/null']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('CA refusals: a clear status, a log line, a metric, and never a certificate', () => {
  const home = tempDir('ca-refuse');
  const capture = captureLogger();
  let ca: CertificateAuthority;
  let srv: Awaited<ReturnType<typeof startCaServer>>;
  let goodCsr: string;
  let goodToken: string;
  before(async () => {
    ca = await CertificateAuthority.open({ home: home.dir, logger: silent });
    srv = await startCaServer(ca, { logger: capture.logger });
    goodCsr = (await createKeyAndCsr('ec-p256')).csrPem;
    goodToken = ca.mintWorkloadToken({ namespace: 'default', serviceAccount: 'web', ttl: 600 });
  });
  after(async () => {
    await srv.close();
    home.cleanup();
  });

  const refused = async (name: string, make: () => Promise<{ csr: string; validity?: string; auth?: string }>, code: grpc.status, reason: string): Promise<void> => {
    const issuedBefore = srv.handle.metrics.issued.get();
    const { csr, validity, auth } = await make();
    const { err, res } = await call(srv.address, { csr, validity_duration: validity ?? '0' }, auth);
    assert.ok(err, `${name}: expected a refusal`);
    assert.equal(err.code, code, `${name}: status ${grpc.status[err.code]} (${err.details})`);
    assert.equal(res, undefined, `${name}: no response body`);
    assert.equal(srv.handle.metrics.issued.get(), issuedBefore, `${name}: no certificate issued`);
    assert.ok(srv.handle.metrics.errors.get({ reason }) >= 1, `${name}: counted under ${reason}`);
    assert.ok(capture.lines.some((l) => l.reason === reason && l.level === 40), `${name}: a warn log line with reason ${reason}`);
  };

  it('no token', () => refused('no token', async () => ({ csr: goodCsr }), grpc.status.UNAUTHENTICATED, 'no-credentials'));

  it('not a bearer token', () => refused('basic auth', async () => ({ csr: goodCsr, auth: 'Basic dXNlcjpwYXNz' }), grpc.status.UNAUTHENTICATED, 'malformed-token'));

  it('bad signature', () => refused('bad signature', async () => {
    const [h, p, s] = goodToken.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), ns: 'kube-system', sa: 'admin' })).toString('base64url');
    return { csr: goodCsr, auth: `Bearer ${h}.${forged}.${s}` };
  }, grpc.status.UNAUTHENTICATED, 'bad-signature'));

  it('expired token', () => refused('expired', async () => {
    const tokens = WorkloadTokenAuthority.open(join(home.dir, 'ca', 'token-key'), 'cluster.local');
    return { csr: goodCsr, auth: `Bearer ${tokens.mint({ namespace: 'default', serviceAccount: 'web', ttl: 60 }, Date.now() - 3600_000)}` };
  }, grpc.status.UNAUTHENTICATED, 'expired'));

  it('token from another CA', () => refused('foreign CA', async () => {
    const other = await CertificateAuthority.open({ logger: silent });
    return { csr: goodCsr, auth: `Bearer ${other.mintWorkloadToken({ namespace: 'default', serviceAccount: 'web' })}` };
  }, grpc.status.UNAUTHENTICATED, 'foreign-issuer'));

  it('token for another trust domain', () => refused('foreign trust domain', async () => {
    const tokens = WorkloadTokenAuthority.open(join(home.dir, 'ca', 'token-key'), 'other.mesh');
    return { csr: goodCsr, auth: `Bearer ${tokens.mint({ namespace: 'default', serviceAccount: 'web' })}` };
  }, grpc.status.UNAUTHENTICATED, 'foreign-trust-domain'));

  it('malformed CSR', () => refused('garbage CSR', async () => ({ csr: 'hello', auth: `Bearer ${goodToken}` }), grpc.status.INVALID_ARGUMENT, 'malformed-csr'));

  it('PEM-shaped CSR with a broken body', () => refused('broken CSR', async () => ({ csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', auth: `Bearer ${goodToken}` }), grpc.status.INVALID_ARGUMENT, 'malformed-csr'));

  it('CSR signature invalid', () => refused('tampered CSR', async () => {
    const der = Buffer.from(goodCsr.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
    der[der.length - 3] ^= 0x01; // inside the signature's INTEGER s
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    return { csr: pem, auth: `Bearer ${goodToken}` };
  }, grpc.status.INVALID_ARGUMENT, 'csr-signature'));

  it('RSA key under 2048 bits', () => refused('RSA 1024', async () => ({ csr: opensslCsr(['-newkey', 'rsa:1024']), auth: `Bearer ${goodToken}` }), grpc.status.INVALID_ARGUMENT, 'weak-key'));

  it('EC curve other than P-256/P-384', () => refused('secp256k1', async () => ({ csr: opensslCsr(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1']), auth: `Bearer ${goodToken}` }), grpc.status.INVALID_ARGUMENT, 'weak-key'));

  it('Ed25519 key', () => refused('ed25519', async () => ({ csr: opensslCsr(['-newkey', 'ed25519']), auth: `Bearer ${goodToken}` }), grpc.status.INVALID_ARGUMENT, 'weak-key'));

  it('negative validity', () => refused('negative validity', async () => ({ csr: goodCsr, validity: '-5', auth: `Bearer ${goodToken}` }), grpc.status.INVALID_ARGUMENT, 'negative-validity'));

  it('still issues for the same CSR and token when nothing is wrong', async () => {
    const { err, res } = await call(srv.address, { csr: goodCsr }, `Bearer ${goodToken}`);
    assert.equal(err, null);
    assert.equal(res?.cert_chain.length, 2);
  });

  it('accepts a P-384 key from openssl', async () => {
    const { err, res } = await call(srv.address, { csr: opensslCsr(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']) }, `Bearer ${goodToken}`);
    assert.equal(err, null, err?.details);
    assert.equal(res?.cert_chain.length, 2);
  });
});
