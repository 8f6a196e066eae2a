import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { CaAdmission } from './ca-admission.js';
import { CaMetrics } from './ca-metrics.js';
import { istioCertificateService, type IstioCertificateRequest, type IstioCertificateResponse } from './ca-proto.js';
import { CertificateAuthority } from './certificate-authority.js';

type Client = grpc.Client & { CreateCertificate: (req: object, md: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void) => void };

describe('CaAdmission: authentication on headers, a bound on calls in flight', () => {
  let ca: CertificateAuthority;
  let server: grpc.Server;
  let client: Client;
  const metrics = new CaMetrics();
  let admission: CaAdmission;
  let handled = 0;
  const waiting: Array<() => void> = [];

  before(async () => {
    ca = await CertificateAuthority.open({ logger: pino({ level: 'silent' }) });
    admission = new CaAdmission({ ca: () => ca, metrics, logger: pino({ level: 'silent' }), maxInFlight: 2 });
    server = new grpc.Server({ interceptors: [admission.interceptor(false)] });
    // A CA stand-in that holds every call it gets until released, to fill the admission.
    server.addService(istioCertificateService().service, {
      CreateCertificate: (_call: grpc.ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>, cb: grpc.sendUnaryData<IstioCertificateResponse>) => {
        handled++;
        waiting.push(() => cb(null, { cert_chain: ['x'] }));
      },
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    client = new (istioCertificateService())(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Client;
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  const call = (token?: string): Promise<grpc.status> => new Promise((resolve) => {
    const md = new grpc.Metadata();
    if (token) md.set('authorization', `Bearer ${token}`);
    client.CreateCertificate({ csr: 'x', validity_duration: 0 }, md, (err) => resolve(err ? err.code : grpc.status.OK));
  });

  it('refuses calls without valid credentials before the handler runs, and admits at most maxInFlight at once', async () => {
    const token = ca.mintWorkloadToken({ namespace: 'default', serviceAccount: 'app', ttl: 60 });
    const forged = `${token.slice(0, -4)}AAAA`;
    const held = [call(token), call(token)];
    while (handled < 2) await new Promise((r) => setTimeout(r, 5));
    const refused = await Promise.all([call(token), call(token), call(), call(forged), call('not-a-jwt')]);
    assert.deepEqual(refused, [grpc.status.RESOURCE_EXHAUSTED, grpc.status.RESOURCE_EXHAUSTED, grpc.status.UNAUTHENTICATED, grpc.status.UNAUTHENTICATED, grpc.status.UNAUTHENTICATED]);
    assert.equal(handled, 2, 'refused calls never reach the handler');
    assert.equal(admission.active, 2);
    for (const release of waiting.splice(0)) release();
    assert.deepEqual(await Promise.all(held), [grpc.status.OK, grpc.status.OK]);
    assert.equal(admission.active, 0, 'finished calls leave the admission');
    // Room again.
    const again = call(token);
    while (handled < 3) await new Promise((r) => setTimeout(r, 5));
    waiting.splice(0).forEach((release) => release());
    assert.equal(await again, grpc.status.OK);
    const errors = metrics.errors.collect().samples;
    const count = (reason: string): number => errors.find((s) => s.labels?.reason === reason)?.value ?? 0;
    assert.equal(count('busy'), 2);
    assert.equal(count('no-credentials'), 1);
    assert.equal(count('bad-signature') + count('malformed-token'), 2);
  });

  it('releases a slot when the client cancels an admitted call', async () => {
    const token = ca.mintWorkloadToken({ namespace: 'default', serviceAccount: 'app', ttl: 60 });
    const before = handled;
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    const pending = client.CreateCertificate({ csr: 'x', validity_duration: 0 }, md, () => undefined) as unknown as grpc.ClientUnaryCall;
    while (handled === before) await new Promise((r) => setTimeout(r, 5));
    assert.equal(admission.active, 1);
    pending.cancel();
    const end = Date.now() + 2000;
    const active = (): number => admission.active;
    while (active() !== 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    assert.equal(active(), 0);
    waiting.splice(0);
  });
});
