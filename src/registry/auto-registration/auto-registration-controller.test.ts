import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Resource } from '../../api/resource.js';
import { MemoryConfigStore } from '../../config/memory-store.js';
import { AutoRegistrationController, type ConnectingProxy } from './auto-registration-controller.js';

const NET = 'networking.istio.io/v1';
const logger = pino({ level: 'silent' });

function proxy(meta: Record<string, unknown>, identity?: { namespace: string; serviceAccount: string }, ip = '198.18.100.7'): ConnectingProxy {
  return { id: `sidecar~${ip}~vm.ns1~ns1.svc.cluster.local`, namespace: 'ns1', ipAddresses: [ip], labels: {}, metadata: meta, ...(identity ? { verifiedIdentity: identity } : {}) };
}

describe('AutoRegistrationController: only verified identities register or report health', () => {
  const store = new MemoryConfigStore({ logger });
  const autoreg = new AutoRegistrationController({ store, logger, instanceId: 'test', graceMs: 60_000 });
  after(() => autoreg.stop());
  const entries = async (): Promise<string[]> => (await store.list({ group: 'networking.istio.io', kind: 'WorkloadEntry' })).map((r) => r.metadata.name).sort();

  it('refuses without a verified identity, or with another namespace or service account, and writes nothing', async () => {
    const group: Resource = { apiVersion: NET, kind: 'WorkloadGroup', metadata: { name: 'vm', namespace: 'ns1' }, spec: { template: { serviceAccount: 'vm-sa' } } };
    const db: Resource = { apiVersion: NET, kind: 'WorkloadEntry', metadata: { name: 'db', namespace: 'ns1' }, spec: { address: '198.18.100.5', serviceAccount: 'db-sa' } };
    for (const r of [group, db]) assert.equal((await store.apply(r)).outcome, 'created');
    const attempts: Array<[string, ConnectingProxy]> = [
      ['c1', proxy({ AUTO_REGISTER_GROUP: 'vm' })],
      ['c2', proxy({ AUTO_REGISTER_GROUP: 'vm' }, { namespace: 'other', serviceAccount: 'vm-sa' })],
      ['c3', proxy({ AUTO_REGISTER_GROUP: 'vm' }, { namespace: 'ns1', serviceAccount: 'intruder' })],
      ['c4', proxy({ WORKLOAD_ENTRY: 'db' })],
      ['c5', proxy({ WORKLOAD_ENTRY: 'db' }, { namespace: 'ns1', serviceAccount: 'intruder' })],
    ];
    for (const [conn, p] of attempts) await autoreg.proxyConnected(conn, p);
    assert.equal(autoreg.errors.collect().samples[0]?.value, 5);
    assert.deepEqual(await entries(), ['db']);
    assert.equal((await store.get({ group: 'networking.istio.io', kind: 'WorkloadEntry', namespace: 'ns1', name: 'db' }))?.metadata.annotations?.['istio.io/workloadController'], undefined);
    assert.deepEqual(autoreg.connectedEntries(), []);
    // Their health reports count for nothing.
    for (const [conn] of attempts) autoreg.healthReported(conn, { healthy: false, message: 'forged' });
    const overlaid = autoreg.overlayHealth(await store.list({ group: 'networking.istio.io', kind: 'WorkloadEntry' }));
    assert.equal(overlaid.find((r) => r.metadata.name === 'db')?.status, undefined);
  });

  it('registers a verified proxy of the group\'s service account and takes its health', async () => {
    await autoreg.proxyConnected('ok', proxy({ AUTO_REGISTER_GROUP: 'vm' }, { namespace: 'ns1', serviceAccount: 'vm-sa' }));
    assert.deepEqual(await entries(), ['db', 'vm-198.18.100.7']);
    autoreg.healthReported('ok', { healthy: false, message: 'probe failed' });
    const overlaid = autoreg.overlayHealth(await store.list({ group: 'networking.istio.io', kind: 'WorkloadEntry' }));
    assert.deepEqual((overlaid.find((r) => r.metadata.name === 'vm-198.18.100.7')?.status as { conditions: Array<{ status: string }> }).conditions.map((c) => c.status), ['False']);
  });
});
