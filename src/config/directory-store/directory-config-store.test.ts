import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Resource } from '../../api/resource.js';
import type { StoreEvent } from '../store.js';
import { DirectoryConfigStore, type DirectoryConfigStoreOptions } from './directory-config-store.js';

const VS = { group: 'networking.istio.io', kind: 'VirtualService' };

function vs(name: string, hosts: string[] = [name]): Resource {
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name }, spec: { hosts, http: [{ route: [{ destination: { host: hosts[0] } }] }] } };
}

/** A hand-written VirtualService file. */
function vsFile(name: string, extra = ''): string {
  return `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}\n${extra}spec:\n  hosts: [${name}]\n  http:\n  - route:\n    - destination:\n        host: ${name}\n`;
}

/** A pino logger whose messages land in `lines`. */
function capture(lines: string[]): pino.Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push((JSON.parse(l) as { msg: string }).msg);
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('DirectoryConfigStore', () => {
  let dir: string;
  let root: string;
  let logs: string[];
  const opened: DirectoryConfigStore[] = [];
  const open = async (extra: Partial<DirectoryConfigStoreOptions> = {}): Promise<DirectoryConfigStore> => {
    const s = await DirectoryConfigStore.open({ root, logger: capture(logs), watch: false, rescanIntervalMs: 0, ...extra });
    opened.push(s);
    return s;
  };
  const file = (ns: string, name: string): string => join(root, ns, 'virtualservices.networking.istio.io', `${name}.yaml`);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-dirstore-'));
    root = join(dir, 'config');
    logs = [];
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one private YAML file per object in the documented layout', async () => {
    const store = await open();
    await store.apply(vs('reviews'));
    await store.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' }, spec: {} });
    const text = await readFile(file('default', 'reviews'), 'utf8');
    assert.match(text, /^kind: VirtualService$/m);
    assert.match(text, /resourceVersion: "\d+"/);
    assert.equal((await stat(file('default', 'reviews'))).mode & 0o777, 0o600);
    assert.ok(existsSync(join(root, '_cluster', 'namespaces', 'prod.yaml')));
    await store.delete({ ...VS, name: 'reviews' });
    assert.equal(existsSync(file('default', 'reviews')), false);
    assert.deepEqual((await readdir(join(root, 'default', 'virtualservices.networking.istio.io'))).filter((n) => !n.startsWith('.')), []);
  });

  it('survives a restart with the same versions, and never reuses a version', async () => {
    const a = await open();
    const created = await a.apply(vs('reviews'));
    assert.ok(created.outcome === 'created');
    await a.apply(vs('ratings'));
    await a.apply(vs('ratings', ['x']));
    await a.apply(vs('gone'));
    await a.delete({ ...VS, name: 'gone' });
    const seen = new Set((await a.list()).map((r) => r.metadata.resourceVersion));
    await a.close();

    const b = await open();
    assert.deepEqual(await b.get({ ...VS, name: 'reviews' }), created.resource);
    assert.deepEqual((await b.get({ ...VS, name: 'ratings' }))?.spec.hosts, ['x']);
    assert.equal((await b.get({ ...VS, name: 'ratings' }))?.metadata.generation, 2);
    assert.equal(await b.get({ ...VS, name: 'gone' }), undefined);
    const next = await b.apply(vs('reviews', ['new']));
    assert.ok(next.outcome === 'configured');
    assert.ok(!seen.has(next.resource.metadata.resourceVersion));
    assert.ok(Number(next.resource.metadata.resourceVersion) > Number(created.resource.metadata.resourceVersion));
  });

  it('picks up files edited, added and removed by hand (fs.watch)', async () => {
    const store = await open({ watch: true, rescanIntervalMs: 0 });
    const events: StoreEvent[] = [];
    store.watch((e) => events.push(e));
    const first = await store.apply(vs('reviews'));
    assert.ok(first.outcome === 'created');

    const text = await readFile(file('default', 'reviews'), 'utf8');
    await writeFile(file('default', 'reviews'), text.replace('- reviews', '- reviews.hand.example'));
    await until('the edit', async () => (await store.get({ ...VS, name: 'reviews' }))?.spec.hosts?.toString() === 'reviews.hand.example');
    const edited = await store.get({ ...VS, name: 'reviews' });
    assert.notEqual(edited?.metadata.resourceVersion, first.resource.metadata.resourceVersion);
    assert.equal(edited?.metadata.generation, 2);

    // A new file without a namespace: the folder supplies it.
    await mkdir(join(root, 'prod', 'virtualservices.networking.istio.io'), { recursive: true });
    await writeFile(file('prod', 'hand'), vsFile('hand'));
    await until('the new file', async () => (await store.get({ ...VS, namespace: 'prod', name: 'hand' })) !== undefined);

    await unlink(file('prod', 'hand'));
    await until('the removal', async () => (await store.get({ ...VS, namespace: 'prod', name: 'hand' })) === undefined);
    assert.deepEqual(events.map((e) => e.type), ['added', 'modified', 'added', 'deleted']);
  });

  it('a burst of its own writes is not read back as hand edits, in new folders too', async () => {
    const store = await open({ watch: true, rescanIntervalMs: 0 });
    const events: StoreEvent[] = [];
    store.watch((e) => events.push(e));
    for (let i = 0; i < 200; i++) await store.apply({ ...vs(`r${i}`), metadata: { name: `r${i}`, namespace: `ns${i % 4}` } });
    // Let every watch event of those writes arrive and be handled.
    await new Promise((r) => setTimeout(r, 300));
    await store.rescan();
    assert.equal(events.length, 200);
    assert.ok(events.every((e) => e.type === 'added'));
    assert.deepEqual(logs.filter((l) => l.startsWith('picked up')), []);
    // Folders the store made are watched: a hand edit there is picked up.
    await writeFile(file('ns3', 'r7'), vsFile('r7').replace('hosts: [r7]', 'hosts: [r7.hand.example]').replace('name: r7', 'name: r7\n  namespace: ns3'));
    await until('the edit in a new folder', async () => (await store.get({ ...VS, namespace: 'ns3', name: 'r7' }))?.spec.hosts?.toString() === 'r7.hand.example');
  });

  it('keeps serving the last good version when a hand edit is invalid, and logs file:line', async () => {
    const store = await open({ watch: false, rescanIntervalMs: 30 });
    const good = await store.apply(vs('reviews'));
    assert.ok(good.outcome === 'created');
    const path = file('default', 'reviews');
    const text = await readFile(path, 'utf8');
    const lines = text.split('\n');
    const nameLine = lines.findIndex((l) => l.includes('name: reviews')) + 1;
    await writeFile(path, text.replace('name: reviews', 'name: Reviews_Bad'));
    await until('the error log', () => logs.some((l) => l.startsWith(`${path}:${nameLine}: `)));
    assert.ok(logs.some((l) => l.includes('metadata.name')), logs.join('\n'));
    assert.ok(logs.some((l) => l.includes('keeps serving')), logs.join('\n'));
    assert.deepEqual(await store.get({ ...VS, name: 'reviews' }), good.resource);

    // Broken YAML also keeps the last good version; the error is logged once, not every rescan.
    await writeFile(path, 'kind: [unclosed\n');
    await until('the syntax error', () => logs.some((l) => l.startsWith(`${path}:`) && /flow|collection|unclosed|expected/i.test(l)));
    const count = logs.length;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(logs.length, count);
    assert.deepEqual(await store.get({ ...VS, name: 'reviews' }), good.resource);

    // A write through the API replaces the broken file.
    const fixed = await store.apply(vs('reviews', ['fixed']));
    assert.ok(fixed.outcome === 'configured');
    assert.match(await readFile(path, 'utf8'), /- fixed/);
  });

  it('refuses files whose content does not match their place in the tree', async () => {
    const store = await open();
    await mkdir(join(root, 'default', 'virtualservices.networking.istio.io'), { recursive: true });
    await writeFile(file('default', 'wrong'), vsFile('right'));
    await store.rescan();
    assert.equal((await store.list()).length, 0);
    assert.ok(logs.some((l) => l.includes('must match the file name')), logs.join('\n'));
  });

  it('starts with an invalid file skipped and removes stale temp files', async () => {
    await mkdir(join(root, 'default', 'virtualservices.networking.istio.io'), { recursive: true });
    await writeFile(file('default', 'bad'), vsFile('bad', 'bogus: 1\n'));
    await writeFile(file('default', 'ok'), vsFile('ok'));
    const tmp = join(root, 'default', 'virtualservices.networking.istio.io', '.ok.yaml.1.abcd.tmp');
    await writeFile(tmp, 'torn');
    const store = await open();
    assert.deepEqual((await store.list()).map((r) => r.metadata.name), ['ok']);
    assert.ok(logs.some((l) => l.startsWith(`${file('default', 'bad')}:5: `) && l.includes('bogus')), logs.join('\n'));
    assert.equal(existsSync(tmp), false);
  });
});
