// A restarted controller keeps its config and its auto-registered workloads: those whose
// proxies reconnect stay, the others are removed after the grace period.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Resource } from '../src/api/resource.js';
import { AdminClient } from '../src/cli/admin-client.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { testNode } from './support/ads-test-client.js';
import { ControllerProcess } from './support/controller-process.js';
import { service, virtualService } from './support/mesh-objects.js';
import { verifiedAdsClient } from './support/verified-ads-client.js';
import { waitFor } from './support/wait-for.js';

const NET = 'networking.istio.io/v1';
const GRACE = ['--workload-cleanup-grace', '2s'];
const group: Resource = { apiVersion: NET, kind: 'WorkloadGroup', metadata: { name: 'vm', namespace: 'default' }, spec: { template: { serviceAccount: 'vm-sa', labels: { app: 'vm' } } } };
const node = (ip: string): ReturnType<typeof testNode> => testNode(`sidecar~${ip}~vm.default~default.svc.cluster.local`, { GENERATOR: 'grpc', NAMESPACE: 'default', SERVICE_ACCOUNT: 'vm-sa', AUTO_REGISTER_GROUP: 'vm', INSTANCE_IPS: ip });

describe('controller restart with auto-registered workloads', { timeout: 90_000 }, () => {
  let dir: string | undefined;
  const controllers: ControllerProcess[] = [];
  const clients: Array<{ close(): void }> = [];
  after(async () => {
    for (const c of clients) c.close();
    for (const c of controllers) await c.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps config, re-learns a reconnecting workload and cleans up one that never returns', async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-restart-'));
    const home = join(dir, 'home');
    const first = await ControllerProcess.start(home, GRACE);
    controllers.push(first);
    const admin = (): AdminClient => AdminClient.connect(home);
    const res = await admin().apply([group, service('vm', 'default', { app: 'vm' }, [{ name: 'http', port: 8080 }]), virtualService('vm', 'default', ['vm'], [{ route: [{ destination: { host: 'vm' } }] }])].map((resource) => ({ resource })), false);
    assert.ok(res.applied);
    const names = async (): Promise<string[]> => (await admin().list('workloadentries', 'default')).items.map((r) => r.metadata.name).sort();

    for (const ip of ['198.18.0.60', '198.18.0.61']) {
      // Registration needs a verified identity: a mesh certificate of vm-sa on 15012.
      const c = await verifiedAdsClient(home, first.ports, 'default', 'vm-sa');
      clients.push(c);
      const s = c.sotw();
      s.send({ node: node(ip), type_url: TYPE_URL.cluster });
      await s.next();
    }
    await waitFor(async () => (await names()).length === 2, 5000, 'two auto-registered entries');
    assert.deepEqual(await names(), ['vm-198.18.0.60', 'vm-198.18.0.61']);
    const before = (await admin().get('workloadentries', 'vm-198.18.0.60', 'default')).metadata.annotations?.['istio.io/connectedAt'];

    assert.equal(await first.stop(), 0);
    for (const c of clients.splice(0)) c.close();
    const second = await ControllerProcess.start(home, GRACE);
    controllers.push(second);
    // Everything applied before the restart is served again.
    assert.equal((await admin().get('virtualservices', 'vm', 'default')).metadata.name, 'vm');
    assert.equal((await admin().get('workloadgroups', 'vm', 'default')).metadata.name, 'vm');
    assert.deepEqual(await names(), ['vm-198.18.0.60', 'vm-198.18.0.61']);

    const back = await verifiedAdsClient(home, second.ports, 'default', 'vm-sa');
    clients.push(back);
    const s = back.sotw();
    s.send({ node: node('198.18.0.60'), type_url: TYPE_URL.cluster });
    await s.next();
    await waitFor(async () => (await admin().get('workloadentries', 'vm-198.18.0.60', 'default')).metadata.annotations?.['istio.io/connectedAt'] !== before, 5000, 'the reconnect recorded');
    await waitFor(async () => !(await names()).includes('vm-198.18.0.61'), 10_000, 'the stale entry removed');
    // Well past the grace period, the reconnected one stays.
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(await names(), ['vm-198.18.0.60']);
    assert.match(second.log, /auto-registered WorkloadEntries from an earlier run wait for their proxies to reconnect/);
    assert.match(second.log, /cleaned up auto-registered WorkloadEntry/);
  });
});
