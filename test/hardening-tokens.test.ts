// Hardening, tokens: a bootstrap token minted for a workload (as `plexus run` does) stops
// working once that workload is deregistered — its WorkloadEntry deleted by the workload's
// exit or `plexus down` — and stays dead if an entry of the same name is registered again.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { registerWorkload, unregisterAllRunWorkloads, unregisterWorkload } from '../src/agent/workload-entry.js';
import { AdminClient } from '../src/cli/admin-client.js';
import { issue } from './identity-support.js';
import { ControllerProcess } from './support/controller-process.js';

const input = { namespace: 'shop', name: 'cart-1', address: '127.0.0.1', serviceAccount: 'cart', labels: { app: 'cart' } };

describe('hardening: bootstrap tokens are revoked with their workload', { timeout: 90_000 }, () => {
  let dir: string;
  let home: string;
  let controller: ControllerProcess;
  const admin = (): AdminClient => AdminClient.connect(home);
  const csr = (token: string): Promise<ServiceError | 'issued'> => issue({ address: `127.0.0.1:${controller.ports.xds}` }, { token }).then(() => 'issued' as const, (e: ServiceError) => e);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-harden-tok-'));
    home = join(dir, 'home');
    controller = await ControllerProcess.start(home);
  });
  after(async () => {
    await controller.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a CSR with the token of a workload whose entry was deleted, or deleted and registered again', async () => {
    await registerWorkload(admin(), input);
    const { token } = await admin().mintToken({ namespace: 'shop', serviceAccount: 'cart', ttl: 3600, workload: 'cart-1' });
    assert.equal(await csr(token), 'issued');
    assert.equal(await csr(token), 'issued', 'renewals work while the workload is registered');

    await unregisterWorkload(admin(), 'shop', 'cart-1');
    const afterDelete = await csr(token);
    assert.ok(afterDelete !== 'issued' && afterDelete.code === status.UNAUTHENTICATED, String(afterDelete));
    assert.match(afterDelete.details, /revoked.*WorkloadEntry shop\/cart-1.*deregistered/);

    // A new `plexus run` of the same name is another workload: the old token stays dead, a new one works.
    await registerWorkload(admin(), input);
    const afterRecreate = await csr(token);
    assert.ok(afterRecreate !== 'issued' && afterRecreate.code === status.UNAUTHENTICATED, String(afterRecreate));
    assert.match(afterRecreate.details, /registered again/);
    const fresh = (await admin().mintToken({ namespace: 'shop', serviceAccount: 'cart', ttl: 3600, workload: 'cart-1' })).token;
    assert.equal(await csr(fresh), 'issued');

    // `plexus down` removes every entry `plexus run` made: the fresh token dies too.
    assert.deepEqual(await unregisterAllRunWorkloads(admin()), ['shop/cart-1']);
    const afterDown = await csr(fresh);
    assert.ok(afterDown !== 'issued' && afterDown.code === status.UNAUTHENTICATED, String(afterDown));
    const metrics = (await controller.monitoring('/metrics')).text;
    assert.match(metrics, /plexus_ca_csr_errors_total\{reason="revoked"\} 3/);
  });

  it('keeps a bound token valid across a controller restart while its entry stays', async () => {
    await registerWorkload(admin(), { ...input, name: 'cart-3' });
    const { token } = await admin().mintToken({ namespace: 'shop', serviceAccount: 'cart', ttl: 3600, workload: 'cart-3' });
    assert.equal(await csr(token), 'issued');
    assert.equal(await controller.stop(), 0);
    controller = await ControllerProcess.start(home);
    assert.equal(await csr(token), 'issued', 'the entry (and its uid) survived the restart');
    await unregisterWorkload(admin(), 'shop', 'cart-3');
    const revoked = await csr(token);
    assert.ok(revoked !== 'issued' && revoked.code === status.UNAUTHENTICATED, String(revoked));
  });

  it('mints a bound token only for an existing entry of that service account', async () => {
    await assert.rejects(admin().mintToken({ namespace: 'shop', serviceAccount: 'cart', workload: 'nobody' }), (e: Error & { status?: number }) => e.status === 404 && /register the workload before minting/.test(e.message));
    await registerWorkload(admin(), { ...input, name: 'cart-2' });
    await assert.rejects(admin().mintToken({ namespace: 'shop', serviceAccount: 'other', workload: 'cart-2' }), (e: Error & { status?: number }) => e.status === 400 && /runs as service account cart/.test(e.message));
  });
});
