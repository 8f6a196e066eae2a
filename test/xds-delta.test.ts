// The ADS server's protocol behaviour with raw grpc-js clients: delta subscriptions,
// removals, reconnects with initial_resource_versions, and SotW NACK handling.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Resource } from '../src/api/resource.js';
import { MemoryConfigStore } from '../src/config/memory-store.js';
import { AdsServer } from '../src/xds/ads-server.js';
import type { ProtoObject } from '../src/xds/protos.js';
import { syncState } from '../src/xds/sync-status.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { XdsController } from '../src/xds/xds-controller.js';
import { AdsTestClient, resourceNames, testNode, type AdsTestStream } from './support/ads-test-client.js';
import { destinationRule, service, virtualService, workloadEntry } from './support/mesh-objects.js';

const HOST = 'greeter.default.svc.cluster.local';
const C_DEFAULT = `outbound|7070||${HOST}`;
const C_V1 = `outbound|7070|v1|${HOST}`;
const C_V2 = `outbound|7070|v2|${HOST}`;
const C_V3 = `outbound|7070|v3|${HOST}`;

interface Plane {
  store: MemoryConfigStore;
  ads: AdsServer;
  controller: XdsController;
  client: AdsTestClient;
  apply(r: Resource): Promise<void>;
  close(): Promise<void>;
}

const subsets = (...names: string[]): Array<{ name: string; labels: Record<string, string> }> => names.map((n) => ({ name: n, labels: { version: n } }));

async function startPlane(): Promise<Plane> {
  const store = new MemoryConfigStore();
  const apply = async (r: Resource): Promise<void> => {
    const res = await store.apply(r);
    assert.ok(res.outcome !== 'invalid' && res.outcome !== 'conflict', JSON.stringify(res));
  };
  await apply(service('greeter', 'default', { app: 'greeter' }, [{ name: 'grpc', port: 7070 }]));
  await apply(workloadEntry('greeter-v1', 'default', '127.0.0.1', { app: 'greeter', version: 'v1' }, { grpc: 5001 }));
  await apply(workloadEntry('greeter-v2', 'default', '127.0.0.1', { app: 'greeter', version: 'v2' }, { grpc: 5002 }));
  await apply(destinationRule('greeter', 'default', 'greeter', subsets('v1', 'v2')));
  const ads = new AdsServer({ logger: pino({ level: process.env.PLEXUS_LOG_LEVEL ?? 'silent' }) });
  const port = await ads.listen('127.0.0.1:0');
  // A short debounce keeps the test quick; the timing itself is covered elsewhere.
  const controller = new XdsController({ store, ads, debounce: { quietMs: 20, maxMs: 200 } });
  await controller.start();
  const client = new AdsTestClient(port);
  return {
    store, ads, controller, client, apply,
    close: async () => {
      client.close();
      controller.stop();
      await ads.close();
      await store.close();
    },
  };
}

function ack(s: AdsTestStream, res: ProtoObject): void {
  s.send({ type_url: res.type_url, response_nonce: res.nonce });
}

function versions(res: ProtoObject): Record<string, string> {
  return Object.fromEntries(((res.resources as ProtoObject[]) ?? []).map((r) => [String(r.name), String(r.version)]));
}

describe('ADS delta and NACK handling', { timeout: 30_000 }, () => {
  let plane: Plane | undefined;
  afterEach(async () => {
    await plane?.close();
    plane = undefined;
  });

  it('subscribes, unsubscribes and reports removals in removed_resources', async () => {
    plane = await startPlane();
    const s = plane.client.delta();
    // CDS with no names on the first request: wildcard.
    s.send({ node: testNode('sidecar~127.0.0.1~d1.default~default.svc.cluster.local'), type_url: TYPE_URL.cluster });
    const cds = await s.next();
    assert.deepEqual(resourceNames(cds), [C_DEFAULT, C_V1, C_V2].sort());
    assert.deepEqual(cds.removed_resources, []);
    ack(s, cds);

    s.send({ type_url: TYPE_URL.endpoint, resource_names_subscribe: [C_V1] });
    const eds1 = await s.next();
    assert.deepEqual(resourceNames(eds1), [C_V1]);
    ack(s, eds1);

    // A new subscription brings only the new resource.
    s.send({ type_url: TYPE_URL.endpoint, resource_names_subscribe: [C_V2] });
    const eds2 = await s.next();
    assert.deepEqual(resourceNames(eds2), [C_V2]);
    ack(s, eds2);

    // Unsubscribing needs no answer; pure ACKs get none either.
    s.send({ type_url: TYPE_URL.endpoint, resource_names_unsubscribe: [C_V1] });
    assert.ok(await s.quiet(300), 'no response to an unsubscribe');

    // Dropping subset v2 removes its cluster and its endpoints.
    await plane.apply(destinationRule('greeter', 'default', 'greeter', subsets('v1')));
    const pushed = [await s.next(), await s.next()];
    const byType = new Map(pushed.map((r) => [String(r.type_url), r]));
    assert.deepEqual(byType.get(TYPE_URL.cluster)?.removed_resources, [C_V2]);
    assert.deepEqual(resourceNames(byType.get(TYPE_URL.cluster)!), [], 'unchanged clusters are not resent');
    assert.deepEqual(byType.get(TYPE_URL.endpoint)?.removed_resources, [C_V2]);
    for (const r of pushed) ack(s, r);

    // Subscribing to something that does not exist is answered with its removal.
    s.send({ type_url: TYPE_URL.endpoint, resource_names_subscribe: [C_V3] });
    const missing = await s.next();
    assert.deepEqual(resourceNames(missing), []);
    assert.deepEqual(missing.removed_resources, [C_V3]);
    ack(s, missing);

    await new Promise((r) => setTimeout(r, 50));
    const st = plane.ads.status();
    assert.equal(st.length, 1);
    assert.equal(st[0]!.mode, 'delta');
    assert.deepEqual(st[0]!.types[TYPE_URL.cluster]!.subscribed, ['*']);
    assert.deepEqual(st[0]!.types[TYPE_URL.endpoint]!.subscribed, [C_V2, C_V3]);
    assert.equal(syncState(st[0]!.types[TYPE_URL.endpoint]), 'SYNCED');
    s.close();
  });

  it('resends only what changed when reconnecting with initial_resource_versions', async (t) => {
    plane = await startPlane();
    const node = testNode('sidecar~127.0.0.1~d2.default~default.svc.cluster.local');
    const first = plane.client.delta();
    first.send({ node, type_url: TYPE_URL.cluster });
    const cds = await first.next();
    ack(first, cds);
    const held = versions(cds);
    assert.deepEqual(Object.keys(held).sort(), [C_DEFAULT, C_V1, C_V2].sort());
    first.close();

    // While disconnected: v1 gets a consistent-hash policy, v2 disappears.
    await plane.apply(destinationRule('greeter', 'default', 'greeter', [
      { name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } } },
    ]));
    await plane.controller.flush();

    const second = plane.client.delta();
    second.send({ node, type_url: TYPE_URL.cluster, initial_resource_versions: held });
    const again = await second.next();
    assert.deepEqual(resourceNames(again), [C_V1]);
    assert.deepEqual(again.removed_resources, [C_V2]);
    assert.notEqual(versions(again)[C_V1], held[C_V1]);
    t.diagnostic(`reconnect: resent ${resourceNames(again).length} of ${Object.keys(held).length}, removed ${(again.removed_resources as string[]).length}`);
    ack(second, again);
    assert.ok(await second.quiet(300));
    second.close();
  });

  it('records a SotW NACK with its error, does not resend, and keeps serving', async () => {
    plane = await startPlane();
    const s = plane.client.sotw();
    s.send({ node: testNode('sidecar~127.0.0.1~n1.default~default.svc.cluster.local'), type_url: TYPE_URL.cluster, resource_names: [] });
    const cds = await s.next();
    assert.deepEqual(resourceNames(cds), [C_DEFAULT, C_V1, C_V2].sort());

    s.send({ type_url: TYPE_URL.cluster, response_nonce: cds.nonce, version_info: '', resource_names: [], error_detail: { code: 3, message: 'cluster outbound|7070|v1: unsupported lb_policy' } });
    assert.ok(await s.quiet(500), 'the rejected config is not sent again');
    const nacked = plane.ads.status()[0]!.types[TYPE_URL.cluster]!;
    assert.equal(syncState(nacked), 'NACKED');
    assert.equal(nacked.lastNack?.message, 'cluster outbound|7070|v1: unsupported lb_policy');
    assert.equal(nacked.lastNack?.code, 3);
    assert.equal(nacked.lastNack?.rejectedVersion, cds.version_info);
    assert.equal(nacked.ackedVersion, '');

    // A full push that leaves this proxy's clusters as they were sends nothing.
    await plane.apply(virtualService('greeter', 'default', ['greeter'], [{ route: [{ destination: { host: 'greeter', subset: 'v1' } }] }]));
    assert.ok(await s.quiet(400));

    // New config is served as usual.
    await plane.apply(destinationRule('greeter', 'default', 'greeter', subsets('v1', 'v2', 'v3')));
    const next = await s.next();
    assert.deepEqual(resourceNames(next), [C_DEFAULT, C_V1, C_V2, C_V3].sort());
    assert.notEqual(next.version_info, cds.version_info);
    s.send({ type_url: TYPE_URL.cluster, response_nonce: next.nonce, version_info: next.version_info, resource_names: [] });

    s.send({ type_url: TYPE_URL.endpoint, resource_names: [C_V3] });
    const eds = await s.next();
    assert.deepEqual(resourceNames(eds), [C_V3]);
    await new Promise((r) => setTimeout(r, 50));
    const after = plane.ads.status()[0]!.types[TYPE_URL.cluster]!;
    assert.equal(syncState(after), 'SYNCED');
    assert.equal(after.ackedVersion, next.version_info);
    assert.equal(after.lastNack?.message, 'cluster outbound|7070|v1: unsupported lb_policy', 'the last NACK stays visible');
    s.close();
  });
});
