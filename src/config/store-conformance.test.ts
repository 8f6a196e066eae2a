import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { isPlexusError } from '../api/errors.js';
import type { Resource } from '../api/resource.js';
import { DirectoryConfigStore } from './directory-store/directory-config-store.js';
import { MemoryConfigStore } from './memory-store.js';
import type { ConfigStore, StoreEvent } from './store.js';

const silent = pino({ level: 'silent' });

/** A backend under test: how to open it and how to clean up after it. */
interface Backend {
  name: string;
  open(): Promise<{ store: ConfigStore; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  { name: 'memory', open: async () => ({ store: new MemoryConfigStore({ logger: silent }), cleanup: async () => undefined }) },
  {
    name: 'directory',
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'plexus-store-'));
      const store = await DirectoryConfigStore.open({ root: join(dir, 'config'), logger: silent, watch: false, rescanIntervalMs: 0 });
      return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  },
];

/** A valid VirtualService; `hosts` varies the spec. */
function vs(name: string, hosts: string[] = [name], extra: Partial<Resource> = {}): Resource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name },
    spec: { hosts, http: [{ route: [{ destination: { host: hosts[0] } }] }] },
    ...extra,
  };
}

const VS = { group: 'networking.istio.io', kind: 'VirtualService' };

for (const backend of backends) {
  describe(`ConfigStore conformance: ${backend.name}`, () => {
    let store: ConfigStore;
    let cleanup: () => Promise<void>;
    let events: StoreEvent[];
    beforeEach(async () => {
      ({ store, cleanup } = await backend.open());
      events = [];
      store.watch((e) => events.push(e));
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it('creates with server fields and the default namespace', async () => {
      const r = await store.apply(vs('reviews'));
      assert.equal(r.outcome, 'created');
      assert.ok(r.outcome === 'created');
      const m = r.resource.metadata;
      assert.equal(m.namespace, 'default');
      assert.equal(m.generation, 1);
      assert.match(String(m.resourceVersion), /^\d+$/);
      assert.match(String(m.uid), /^[0-9a-f-]{36}$/);
      assert.match(String(m.creationTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const got = await store.get({ ...VS, name: 'reviews' });
      assert.deepEqual(got, r.resource);
      assert.deepEqual(await store.get({ ...VS, namespace: 'default', name: 'reviews' }), r.resource);
      assert.deepEqual(events.map((e) => e.type), ['added']);
    });

    it('reports unchanged without a new version, configured with one', async () => {
      const first = await store.apply(vs('reviews'));
      assert.ok(first.outcome === 'created');
      const again = await store.apply(vs('reviews'));
      assert.ok(again.outcome === 'unchanged');
      assert.equal(again.resource.metadata.resourceVersion, first.resource.metadata.resourceVersion);
      const changed = await store.apply(vs('reviews', ['reviews', 'reviews.example.com']));
      assert.ok(changed.outcome === 'configured');
      assert.notEqual(changed.resource.metadata.resourceVersion, first.resource.metadata.resourceVersion);
      assert.equal(changed.resource.metadata.generation, 2);
      assert.equal(changed.resource.metadata.uid, first.resource.metadata.uid);
      const labelled = await store.apply(vs('reviews', ['reviews', 'reviews.example.com'], { metadata: { name: 'reviews', labels: { app: 'reviews' } } }));
      assert.ok(labelled.outcome === 'configured');
      assert.equal(labelled.resource.metadata.generation, 2, 'metadata-only changes keep the generation');
      assert.deepEqual(events.map((e) => e.type), ['added', 'modified', 'modified']);
    });

    it('ignores status and server fields sent by the client', async () => {
      const r = await store.apply(vs('reviews', ['reviews'], {
        metadata: { name: 'reviews', resourceVersion: '999999', generation: 7, uid: 'x' },
        status: { validationMessages: [] },
      }));
      assert.ok(r.outcome === 'created');
      assert.notEqual(r.resource.metadata.resourceVersion, '999999');
      assert.equal(r.resource.metadata.generation, 1);
      assert.equal(r.resource.status, undefined);
    });

    it('refuses an invalid write and changes nothing', async () => {
      const good = await store.apply(vs('reviews'));
      assert.ok(good.outcome === 'created');
      const bad = await store.apply({ ...vs('reviews', ['other']), bogus: true } as Resource);
      assert.equal(bad.outcome, 'invalid');
      assert.ok(bad.outcome === 'invalid' && bad.diagnostics.some((d) => d.path === 'bogus' && d.severity === 'error'));
      const badName = await store.apply(vs('Not_A_Name'));
      assert.ok(badName.outcome === 'invalid' && badName.diagnostics.some((d) => d.path === 'metadata.name'));
      const noName = await store.apply({ ...vs('x'), metadata: { generateName: 'x-' } as never });
      assert.ok(noName.outcome === 'invalid' && noName.diagnostics.some((d) => d.path === 'metadata.name'));
      const unknown = await store.apply({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} });
      assert.equal(unknown.outcome, 'invalid');
      assert.deepEqual(await store.get({ ...VS, name: 'reviews' }), good.resource);
      assert.equal((await store.list()).length, 1);
      assert.deepEqual(events.map((e) => e.type), ['added']);
    });

    it('enforces expectedVersion (optimistic concurrency)', async () => {
      const missing = await store.apply(vs('reviews'), { expectedVersion: '1' });
      assert.equal(missing.outcome, 'conflict');
      const first = await store.apply(vs('reviews'));
      assert.ok(first.outcome === 'created');
      const v1 = String(first.resource.metadata.resourceVersion);
      const second = await store.apply(vs('reviews', ['a']), { expectedVersion: v1 });
      assert.equal(second.outcome, 'configured');
      const stale = await store.apply(vs('reviews', ['b']), { expectedVersion: v1 });
      assert.equal(stale.outcome, 'conflict');
      assert.ok(stale.outcome === 'conflict' && stale.message.includes(v1));
      assert.deepEqual((await store.get({ ...VS, name: 'reviews' }))?.spec.hosts, ['a']);
      await assert.rejects(store.delete({ ...VS, name: 'reviews' }, { expectedVersion: v1 }), (err) => isPlexusError(err, 'PLEXUS_ERR_CONFLICT'));
      assert.ok(await store.get({ ...VS, name: 'reviews' }));
    });

    it('dry-run validates and reports without changing anything', async () => {
      const dry = await store.apply(vs('reviews'), { dryRun: true });
      assert.equal(dry.outcome, 'created');
      assert.equal(await store.get({ ...VS, name: 'reviews' }), undefined);
      const badDry = await store.apply(vs('Bad_Name'), { dryRun: true });
      assert.equal(badDry.outcome, 'invalid');
      await store.apply(vs('reviews'));
      assert.equal((await store.apply(vs('reviews', ['x']), { dryRun: true })).outcome, 'configured');
      assert.deepEqual((await store.get({ ...VS, name: 'reviews' }))?.spec.hosts, ['reviews']);
      assert.deepEqual(events.map((e) => e.type), ['added']);
    });

    it('lists by kind and namespace, sorted', async () => {
      await store.apply(vs('b', ['b'], { metadata: { name: 'b', namespace: 'prod' } }));
      await store.apply(vs('a', ['a'], { metadata: { name: 'a', namespace: 'prod' } }));
      await store.apply(vs('c'));
      await store.apply({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'c' }, spec: { host: 'c' } });
      assert.deepEqual((await store.list({ ...VS })).map((r) => `${r.metadata.namespace}/${r.metadata.name}`), ['default/c', 'prod/a', 'prod/b']);
      assert.deepEqual((await store.list({ ...VS, namespace: 'prod' })).map((r) => r.metadata.name), ['a', 'b']);
      assert.equal((await store.list()).length, 4);
      assert.equal((await store.list({ namespace: 'default' })).length, 2);
    });

    it('drops the namespace of cluster-scoped kinds', async () => {
      const r = await store.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', namespace: 'default' }, spec: {} });
      assert.ok(r.outcome === 'created');
      assert.equal(r.resource.metadata.namespace, undefined);
      assert.ok(await store.get({ group: '', kind: 'Namespace', name: 'prod' }));
    });

    it('deletes, emits the last state, and reports a second delete as nothing to do', async () => {
      await store.apply(vs('reviews'));
      assert.equal(await store.delete({ ...VS, name: 'reviews' }), true);
      assert.equal(await store.delete({ ...VS, name: 'reviews' }), false);
      assert.equal(await store.get({ ...VS, name: 'reviews' }), undefined);
      assert.deepEqual(events.map((e) => e.type), ['added', 'deleted']);
      assert.equal(events[1].resource.metadata.name, 'reviews');
    });

    it('hands out frozen objects, and stops calling a watcher after unsubscribe', async () => {
      const seen: string[] = [];
      const stop = store.watch((e) => seen.push(e.type));
      const r = await store.apply(vs('reviews'));
      assert.ok(r.outcome === 'created');
      assert.throws(() => {
        (r.resource.spec as Record<string, unknown>).hosts = [];
      });
      stop();
      await store.delete({ ...VS, name: 'reviews' });
      assert.deepEqual(seen, ['added']);
    });

    it('keeps serving when a watcher throws', async () => {
      store.watch(() => {
        throw new Error('boom');
      });
      assert.equal((await store.apply(vs('reviews'))).outcome, 'created');
      assert.deepEqual(events.map((e) => e.type), ['added']);
    });

    it('serializes concurrent writes: every version distinct', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.apply(vs('reviews', [`h${i}`]))));
      const versions = results.map((r) => (r.outcome === 'created' || r.outcome === 'configured' ? r.resource.metadata.resourceVersion : 'x'));
      assert.equal(new Set(versions).size, 20);
      assert.equal((await store.get({ ...VS, name: 'reviews' }))?.metadata.generation, 20);
    });
  });
}
