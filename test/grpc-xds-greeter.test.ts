// Acceptance test of the proxyless path: a real @grpc/grpc-js-xds client follows
// VirtualServices and DestinationRules served by Plexus's ADS server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { MemoryConfigStore } from '../src/config/memory-store.js';
import type { Resource } from '../src/api/resource.js';
import { AdsServer } from '../src/xds/ads-server.js';
import { XdsController } from '../src/xds/xds-controller.js';
import { syncState } from '../src/xds/sync-status.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { startEchoServer, type EchoServer } from './support/echo-service.js';
import type { CallResult } from './support/xds-client-protocol.js';
import { XdsClientProcess } from './support/xds-client-process.js';
import { destinationRule, service, virtualService, workloadEntry } from './support/mesh-objects.js';
import { waitFor } from './support/wait-for.js';

const TARGET = 'xds:///greeter.default.svc.cluster.local:7070';
const GREETER = 'greeter.default.svc.cluster.local';

describe('proxyless gRPC greeter via xDS', { timeout: 60_000 }, () => {
  let v1: EchoServer;
  let v2: EchoServer;
  let store: MemoryConfigStore;
  let ads: AdsServer;
  let controller: XdsController;
  let client: XdsClientProcess;

  async function apply(r: Resource): Promise<void> {
    const res = await store.apply(r);
    assert.ok(res.outcome !== 'invalid' && res.outcome !== 'conflict', `apply ${r.kind}/${r.metadata.name}: ${JSON.stringify(res)}`);
  }

  const call = (headers: Record<string, string> = {}): Promise<CallResult> => client.call(headers);
  const calls = (n: number, headers: Record<string, string> = {}): Promise<CallResult[]> => client.calls(n, headers);

  const count = (rs: CallResult[], server: string): number => rs.filter((r) => 'server' in r && r.server === server).length;

  before(async () => {
    v1 = await startEchoServer('v1');
    v2 = await startEchoServer('v2');
    store = new MemoryConfigStore();
    await apply(service('greeter', 'default', { app: 'greeter' }, [{ name: 'grpc', port: 7070, targetPort: 7070 }]));
    await apply(workloadEntry('greeter-v1', 'default', '127.0.0.1', { app: 'greeter', version: 'v1' }, { grpc: v1.port }));
    await apply(workloadEntry('greeter-v2', 'default', '127.0.0.1', { app: 'greeter', version: 'v2' }, { grpc: v2.port }));
    await apply(destinationRule('greeter', 'default', 'greeter', [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }]));
    await apply(virtualService('greeter', 'default', ['greeter'], [{
      route: [{ destination: { host: 'greeter', subset: 'v1' }, weight: 80 }, { destination: { host: 'greeter', subset: 'v2' }, weight: 20 }],
    }]));
    ads = new AdsServer({ logger: pino({ level: process.env.PLEXUS_LOG_LEVEL ?? 'warn' }) });
    const port = await ads.listen('127.0.0.1:0');
    controller = new XdsController({ store, ads });
    await controller.start();
    // The client runs in its own process: grpc-js-xds reads the bootstrap once per process.
    client = new XdsClientProcess(TARGET, {
      xds_servers: [{ server_uri: `127.0.0.1:${port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: {
        id: 'sidecar~127.0.0.1~greeter-client.default~default.svc.cluster.local',
        metadata: { GENERATOR: 'grpc', NAMESPACE: 'default', LABELS: { app: 'greeter-client' }, SERVICE_ACCOUNT: 'greeter-client' },
        locality: {},
      },
    });
    await waitFor(async () => 'server' in (await call()), 10_000, 'first successful call through xDS');
  });

  after(async () => {
    await client?.close();
    controller?.stop();
    await ads?.close();
    await store?.close();
    await v1?.close();
    await v2?.close();
  });

  it('splits 80/20 between subsets within 5 points over 1,000 calls', async (t) => {
    const rs = await calls(1000);
    const n1 = count(rs, 'v1');
    const n2 = count(rs, 'v2');
    assert.equal(n1 + n2, 1000, `every call succeeds: ${JSON.stringify(rs.find((r) => 'code' in r))}`);
    assert.ok(Math.abs(n1 / 1000 - 0.8) <= 0.05, `v1 share ${n1 / 10}%`);
    t.diagnostic(`80/20 split: v1=${n1} v2=${n2}`);
  });

  it('moves all calls to v2 within 1 s of applying 100% v2', async (t) => {
    const applied = Date.now();
    await apply(virtualService('greeter', 'default', ['greeter'], [{ route: [{ destination: { host: 'greeter', subset: 'v2' }, weight: 100 }] }]));
    // Converged when the last call that did not reach v2 is followed by 50 that did.
    let streakStart = 0;
    let streak = 0;
    while (streak < 50) {
      const r = await call();
      if ('server' in r && r.server === 'v2') {
        if (streak === 0) streakStart = Date.now();
        streak++;
      } else {
        streak = 0;
      }
      assert.ok(Date.now() - applied < 5000, 'no convergence within 5 s');
    }
    const converged = streakStart - applied;
    const rs = await calls(200);
    assert.equal(count(rs, 'v2'), 200);
    t.diagnostic(`100% v2 converged after ${converged} ms`);
    assert.ok(converged <= 1000, `converged after ${converged} ms`);
  });

  it('aborts 50 ± 7% of calls with the configured gRPC status', async (t) => {
    await apply(virtualService('greeter', 'default', ['greeter'], [{
      fault: { abort: { grpcStatus: 'ABORTED', percentage: { value: 50 } } },
      route: [{ destination: { host: 'greeter', subset: 'v1' } }],
    }]));
    await waitFor(async () => (await calls(20)).some((r) => 'code' in r), 5000, 'fault config to arrive');
    const rs = await calls(1000);
    const failed = rs.filter((r): r is { code: number; details: string } => 'code' in r);
    const ok = count(rs, 'v1');
    assert.equal(failed.length + ok, 1000);
    assert.ok(Math.abs(failed.length / 1000 - 0.5) <= 0.07, `failed ${failed.length / 10}%`);
    const codes = new Set(failed.map((f) => f.code));
    t.diagnostic(`fault: failed=${failed.length} codes=${[...codes].join(',')} details=${failed[0]?.details}`);
    assert.deepEqual([...codes], [10]);
  });

  it('routes only calls with a matching header to the header route', async (t) => {
    await apply(virtualService('greeter', 'default', ['greeter'], [
      { match: [{ headers: { 'x-canary': { exact: 'yes' } } }], route: [{ destination: { host: 'greeter', subset: 'v2' } }] },
      { route: [{ destination: { host: 'greeter', subset: 'v1' } }] },
    ]));
    await waitFor(async () => (await calls(20)).every((r) => 'server' in r && r.server === 'v1'), 5000, 'header route config');
    const matching = await calls(200, { 'x-canary': 'yes' });
    const plain = await calls(200);
    const other = await calls(200, { 'x-canary': 'no' });
    assert.equal(count(matching, 'v2'), 200);
    assert.equal(count(plain, 'v1'), 200);
    assert.equal(count(other, 'v1'), 200);
    t.diagnostic(`header match: with header v2=${count(matching, 'v2')}, without v1=${count(plain, 'v1')}, other value v1=${count(other, 'v1')}`);
  });

  it('reports the client as synced on every type in the status API', () => {
    const st = ads.status();
    assert.equal(st.length, 1);
    const p = st[0]!;
    assert.equal(p.generator, 'grpc');
    assert.equal(p.namespace, 'default');
    for (const t of [TYPE_URL.listener, TYPE_URL.route, TYPE_URL.cluster, TYPE_URL.endpoint]) {
      assert.equal(syncState(p.types[t]), 'SYNCED', `${t}: ${JSON.stringify(p.types[t])}`);
      assert.equal(p.types[t]!.lastNack, undefined);
    }
    assert.deepEqual(p.types[TYPE_URL.listener]!.subscribed, [`${GREETER}:7070`]);
  });
});
