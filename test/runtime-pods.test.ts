// Pods on the local bridge: two namespaces reach each other, records survive a new
// PodNetwork instance, teardown leaves nothing, and cleanupLeftovers removes what a killed
// run left (namespaces, veths, bridge, host chains, capture rules, ip_forward).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cleanupLeftovers } from '../src/runtime/cleanup-leftovers.js';
import { runHostCommand, runInNetns } from '../src/runtime/host-command.js';
import { PodNetwork } from '../src/runtime/pod-network.js';
import { leftoversWithPrefix, namespaceTestsSkipReason, runInPod, startInPod, type PodChild } from './runtime-support.js';

const skip = namespaceTestsSkipReason();

describe('pod network', { skip, timeout: 60_000 }, () => {
  const prefix = 'pxp';
  let stateDir = '';
  let network: PodNetwork | undefined;
  const children: PodChild[] = [];
  after(async () => {
    for (const c of children) await c.stop();
    if (stateDir) await cleanupLeftovers(stateDir, { prefix }).catch(() => undefined);
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('creates two pods on the bridge that reach each other over TCP', async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'plexus-pods-'));
    // A run of this test killed mid-way (timeout) may have left objects with this prefix.
    await cleanupLeftovers(stateDir, { prefix });
    network = new PodNetwork({ stateDir, prefix, podCidr: '198.18.32.0/24' });
    const a = await network.createPod({ namespace: 'default', name: 'a' });
    const b = await network.createPod({ namespace: 'default', name: 'b' });
    assert.equal(a.netns, 'pxp-default-a');
    assert.equal(a.gateway, '198.18.32.1');
    assert.notEqual(a.address, b.address);
    for (const pod of [a, b]) {
      assert.match(pod.address, /^198\.18\.32\.\d+$/);
      assert.ok(existsSync(pod.netnsPath));
      const { stdout } = await runHostCommand('ip', ['-o', 'link', 'show', 'master', 'pxp0']);
      assert.ok(stdout.includes(pod.hostVeth), `${pod.hostVeth} is on the bridge`);
      // VIPs leave through eth0 towards the gateway, where the capture rules will see them.
      const route = await runInNetns(pod.netns, 'ip', ['route', 'get', '198.19.0.5']);
      assert.match(route.stdout, /via 198\.18\.32\.1 dev eth0/);
      const resolv = await readFile(`/etc/netns/${pod.netns}/resolv.conf`, 'utf8');
      assert.match(resolv, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
      assert.match(resolv, /options ndots:5/);
    }
    children.push(await startInPod(b.netns, 'banner-servers', { servers: { 7000: 'hello from b' } }));
    const got = await runInPod<{ text: string }>(a.netns, 'fetch', { host: b.address, port: 7000 });
    assert.equal(got.text, 'hello from b\n');
    // The host reaches pods through the bridge address too.
    const fromHost = await new Promise<string>((resolve, reject) => {
      let text = '';
      connect({ host: b.address, port: 7000 }).setEncoding('utf8').on('data', (d: string) => { text += d; }).on('close', () => resolve(text)).on('error', reject);
    });
    assert.equal(fromHost, 'hello from b\n');
  });

  it('keeps allocations in the state dir across instances and reuses a released address', async () => {
    assert.ok(network);
    const again = new PodNetwork({ stateDir, prefix, podCidr: '198.18.32.0/24' });
    assert.deepEqual((await again.listPods()).map((p) => p.netns), ['pxp-default-a', 'pxp-default-b']);
    const c = await again.createPod({ namespace: 'other', name: 'c' });
    const taken = (await network.listPods()).filter((p) => p.netns !== c.netns).map((p) => p.address);
    assert.ok(!taken.includes(c.address));
    await assert.rejects(again.createPod({ namespace: 'other', name: 'c' }), { code: 'PLEXUS_ERR_HOST_NETWORK' });
    await again.removePod('other', 'c');
    assert.ok(!existsSync(c.netnsPath));
    assert.ok(!(await readdir(join(stateDir, 'addresses'))).includes(c.address));
    const d = await again.createPod({ namespace: 'other', name: 'd' });
    assert.equal(d.address, c.address, 'the lowest free address is handed out again');
    await again.removePod('other', 'd');
  });

  it('teardown removes every pod, the bridge and the host rules', async () => {
    assert.ok(network);
    for (const c of children.splice(0)) await c.stop();
    await network.teardown();
    assert.deepEqual(await leftoversWithPrefix(prefix), []);
    assert.deepEqual(await network.listPods(), []);
  });
});

describe('cleanupLeftovers after a crash', { skip, timeout: 60_000 }, () => {
  const prefix = 'pxk';
  let stateDir = '';
  let ipForwardBefore = '';
  after(async () => {
    if (stateDir) await cleanupLeftovers(stateDir, { prefix }).catch(() => undefined);
    if (ipForwardBefore) await runHostCommand('sh', ['-c', `echo ${ipForwardBefore} > /proc/sys/net/ipv4/ip_forward`]);
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('removes the namespaces, veths, bridge, chains and records a killed run left', async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'plexus-crash-'));
    // A run of this test killed mid-way (timeout) may have left objects with this prefix.
    await cleanupLeftovers(stateDir, { prefix });
    ipForwardBefore = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
    // A separate process builds pods with capture and egress, then is killed with SIGKILL.
    const script = fileURLToPath(new URL('./runtime-crash-run.js', import.meta.url));
    const run = spawn(process.execPath, [script, stateDir, prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    run.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const started = Date.now();
    while (!out.includes('READY')) {
      assert.equal(run.exitCode, null, 'the crash run exited early');
      assert.ok(Date.now() - started < 20_000, 'the crash run did not get ready');
      await new Promise((r) => setTimeout(r, 20));
    }
    run.kill('SIGKILL');
    await new Promise((r) => run.once('exit', r));
    // A veth never moved into a namespace: what a crash between the two steps leaves.
    await runHostCommand('ip', ['link', 'add', 'pxkv0123456789a', 'type', 'veth', 'peer', 'name', 'pxkv0123456789b']);
    const before = await leftoversWithPrefix(prefix);
    assert.ok(before.some((l) => l.startsWith('netns pxk-default-app')), before.join('\n'));
    assert.ok(before.includes('link pxk0'));
    assert.ok(before.some((l) => l.includes('PXK_FORWARD')));
    assert.ok(before.some((l) => l.includes('PXK_POSTROUTING')));

    const report = await cleanupLeftovers(stateDir, { prefix });
    assert.deepEqual(report.netns.sort(), ['pxk-default-app', 'pxk-default-db']);
    assert.ok(report.links.includes('pxk0'));
    assert.deepEqual(await leftoversWithPrefix(prefix), []);
    assert.equal((await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim(), ipForwardBefore, 'ip_forward restored');
    assert.deepEqual(await readdir(join(stateDir, 'pods')), []);
    assert.deepEqual(await readdir(join(stateDir, 'addresses')), []);
    assert.ok(!existsSync(join(stateDir, 'network.json')));
    // Nothing left: a second run finds nothing and does not fail.
    const second = await cleanupLeftovers(stateDir, { prefix });
    assert.deepEqual(second.netns, []);
  });
});
