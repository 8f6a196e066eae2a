// The proxy's xds-client against the real controller (src/xds) on the proxyless `GENERATOR:
// grpc` path: api_listeners, RDS, EDS clusters and endpoints, in SotW and Delta, and a push.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Resource } from '../src/api/resource.js';
import { MemoryConfigStore } from '../src/config/memory-store.js';
import { SnapshotHolder } from '../src/proxy/config/snapshot-holder.js';
import { XdsClient } from '../src/proxy/xds-client/xds-client.js';
import { AdsServer } from '../src/xds/ads-server.js';
import { syncState } from '../src/xds/sync-status.js';
import { XdsController } from '../src/xds/xds-controller.js';
import { destinationRule, service, virtualService, workloadEntry } from './support/mesh-objects.js';
import { TYPES } from './proxy-xds-client-fake-ads.js';

const HOST = 'greeter.default.svc.cluster.local';
const LISTENER = `${HOST}:7070`;
const C_DEFAULT = `outbound|7070||${HOST}`;
const C_V1 = `outbound|7070|v1|${HOST}`;
const C_V2 = `outbound|7070|v2|${HOST}`;

interface Plane {
  store: MemoryConfigStore;
  ads: AdsServer;
  controller: XdsController;
  apply(r: Resource): Promise<void>;
  close(): Promise<void>;
}

async function startPlane(): Promise<Plane & { port: number }> {
  const store = new MemoryConfigStore();
  const apply = async (r: Resource): Promise<void> => {
    const res = await store.apply(r);
    assert.ok(res.outcome !== 'invalid' && res.outcome !== 'conflict', JSON.stringify(res));
  };
  await apply(service('greeter', 'default', { app: 'greeter' }, [{ name: 'grpc', port: 7070 }]));
  await apply(workloadEntry('greeter-v1', 'default', '127.0.0.1', { app: 'greeter', version: 'v1' }, { grpc: 5001 }));
  await apply(workloadEntry('greeter-v2', 'default', '127.0.0.2', { app: 'greeter', version: 'v2' }, { grpc: 5002 }));
  await apply(destinationRule('greeter', 'default', 'greeter', [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }]));
  const ads = new AdsServer({ logger: pino({ level: process.env.PLEXUS_LOG_LEVEL ?? 'silent' }) });
  const port = await ads.listen('127.0.0.1:0');
  const controller = new XdsController({ store, ads, debounce: { quietMs: 20, maxMs: 200 } });
  await controller.start();
  return {
    store, ads, controller, apply, port,
    close: async () => {
      controller.stop();
      await ads.close();
      await store.close();
    },
  };
}

function nextSnapshot(client: XdsClient, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no snapshot published')), timeoutMs);
    client.once('snapshot', () => { clearTimeout(t); resolve(); });
  });
}

for (const mode of ['sotw', 'delta'] as const) {
  describe(`proxy xds-client against the controller (${mode})`, { timeout: 30_000 }, () => {
    let plane: (Plane & { port: number }) | undefined;
    let client: XdsClient | undefined;
    afterEach(async () => {
      client?.close();
      client = undefined;
      await plane?.close();
      plane = undefined;
    });

    it('builds the model from the proxyless config and follows a push', async () => {
      plane = await startPlane();
      const holder = new SnapshotHolder();
      client = new XdsClient({
        address: `127.0.0.1:${plane.port}`, mode, holder,
        node: { type: 'sidecar', ip: '127.0.0.1', podName: `client-${mode}`, namespace: 'default', extraMetadata: { GENERATOR: 'grpc' } },
        backoff: { initialMs: 50, maxMs: 200 }, initialFetchTimeoutMs: 5000,
        logger: pino({ level: process.env.PLEXUS_LOG_LEVEL ?? 'silent' }),
      });
      client.start();
      await client.ready();
      const snap = holder.current;

      const l = snap.listeners.get(LISTENER);
      assert.ok(l, `listeners: ${[...snap.listeners.keys()].join(', ')}`);
      assert.equal(l.apiListener, true);
      const hcm = l.filterChains[0]!.filters[0]!;
      assert.equal(hcm.kind, 'http_connection_manager');
      const rdsName = hcm.kind === 'http_connection_manager' ? hcm.rdsName : undefined;
      assert.ok(rdsName);
      const vh = snap.routes.get(rdsName)!.virtualHosts[0]!;
      assert.ok(vh.domains.includes(LISTENER));
      const action = vh.routes[0]!.action;
      assert.equal(action.kind === 'route' && action.clusters[0]!.name, C_DEFAULT);
      assert.deepEqual([...snap.clusters.keys()].sort(), [C_DEFAULT, C_V1, C_V2].sort());
      assert.equal(snap.clusters.get(C_V1)!.type, 'EDS');
      const ips = (name: string): string[] => snap.endpoints.get(name)!.localities.flatMap((x) => x.endpoints.map((e) => `${e.address.address}:${e.address.port}`)).sort();
      assert.deepEqual(ips(C_DEFAULT), ['127.0.0.1:5001', '127.0.0.2:5002']);
      assert.deepEqual(ips(C_V2), ['127.0.0.2:5002']);

      // The controller sees every type ACKed.
      await new Promise((r) => setTimeout(r, 100));
      const st = plane.ads.status().find((s) => s.proxyId.includes(`client-${mode}`))!;
      assert.equal(st.mode, mode);
      for (const t of [TYPES.cluster, TYPES.endpoint, TYPES.listener, TYPES.route]) assert.equal(syncState(st.types[t]), 'SYNCED', `${t}: ${JSON.stringify(st.types[t])}`);

      // A VirtualService splitting traffic arrives as a new route configuration.
      const pushed = new Promise<void>((resolve) => {
        const check = (): void => {
          const a = holder.current.routes.get(rdsName)?.virtualHosts[0]?.routes[0]?.action;
          if (a?.kind === 'route' && a.clusters.length === 2) {
            client!.off('snapshot', check);
            resolve();
          }
        };
        client!.on('snapshot', check);
      });
      await plane.apply(virtualService('greeter', 'default', ['greeter'], [{
        route: [{ destination: { host: 'greeter', subset: 'v1' }, weight: 80 }, { destination: { host: 'greeter', subset: 'v2' }, weight: 20 }],
        timeout: '2s',
        retries: { attempts: 3, perTryTimeout: '500ms', retryOn: 'unavailable' },
      }]));
      await Promise.race([pushed, nextSnapshot(client).then(() => pushed)]);
      const a = holder.current.routes.get(rdsName)!.virtualHosts[0]!.routes[0]!.action;
      assert.equal(a.kind, 'route');
      if (a.kind !== 'route') return;
      assert.deepEqual(a.clusters.map((c) => [c.name, c.weight]), [[C_V1, 80], [C_V2, 20]]);
      assert.equal(a.timeoutMs, 2000);
      assert.equal(a.retryPolicy?.numRetries, 3);
      assert.equal(a.retryPolicy?.perTryTimeoutMs, 500);
      assert.deepEqual(a.retryPolicy?.retryOn, ['unavailable']);
      assert.equal(client.status().lastNack, undefined, 'nothing was rejected');
    });
  });
}
