// Transparent capture in a pod, end to end: rules as istio-iptables writes them, a proxy
// running as uid 1337 reading SO_ORIGINAL_DST through the addon, and the exceptions
// (the proxy's own traffic, excluded ports, sidecar ports) left alone.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanupLeftovers } from '../src/runtime/cleanup-leftovers.js';
import { runInNetns } from '../src/runtime/host-command.js';
import { installCapture, removeCapture } from '../src/runtime/iptables-capture.js';
import { originalDstStatus } from '../src/runtime/original-dst.js';
import { PodNetwork, type PodRecord } from '../src/runtime/pod-network.js';
import { leftoversWithPrefix, namespaceTestsSkipReason, runInPod, skipOutsideCi, startInPod, type PodChild } from './runtime-support.js';

const addon = originalDstStatus();
const skip = namespaceTestsSkipReason() ?? skipOutsideCi(addon.available ? undefined : addon.reason);
const APP = { uid: 1000, gid: 1000 };
const PROXY = { uid: 1337, gid: 1337 };

interface Fetched { text?: string; error?: string }
interface Captured { listener: number; od: { address: string; port: number; family: number }; uid: number }

/** Splits a fetch into the proxy's capture report (first line, when captured) and the rest. */
function parse(result: Fetched): { captured?: Captured; body: string } {
  assert.equal(result.error, undefined, `fetch failed: ${result.error}`);
  const text = result.text ?? '';
  const first = text.split('\n')[0] ?? '';
  if (first.startsWith('{')) return { captured: JSON.parse(first) as Captured, body: text.slice(first.length + 1) };
  return { body: text };
}

describe('iptables capture in a pod', { skip, timeout: 90_000 }, () => {
  const prefix = 'pxc';
  let stateDir = '';
  let network: PodNetwork;
  let a: PodRecord;
  let b: PodRecord;
  const children: PodChild[] = [];

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'plexus-capture-'));
    // A run of this test killed mid-way (timeout) may have left objects with this prefix.
    await cleanupLeftovers(stateDir, { prefix });
    network = new PodNetwork({ stateDir, prefix, podCidr: '198.18.64.0/24' });
    a = await network.createPod({ namespace: 'default', name: 'a' });
    b = await network.createPod({ namespace: 'default', name: 'b' });
    children.push(await startInPod(b.netns, 'banner-servers', { servers: { 7000: 'b:7000', 7001: 'b:7001' } }));
    children.push(await startInPod(a.netns, 'banner-servers', { servers: { 8080: 'a-app:8080', 8081: 'a-app:8081' } }, APP));
    children.push(await startInPod(a.netns, 'capture-proxy', { podPrefix: '198.18.64.' }, PROXY));
    await installCapture(a.netns, { outboundExcludePorts: [7001], inboundExcludePorts: [8081] });
  });
  after(async () => {
    for (const c of children) await c.stop();
    if (stateDir) {
      await network.teardown().catch(() => undefined);
      await cleanupLeftovers(stateDir, { prefix }).catch(() => undefined);
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('writes the chains in Istio\'s layout', async () => {
    const { stdout } = await runInNetns(a.netns, 'iptables-save', ['-t', 'nat']);
    for (const chain of ['PLEXUS_INBOUND', 'PLEXUS_REDIRECT', 'PLEXUS_IN_REDIRECT', 'PLEXUS_OUTPUT', 'PLEXUS_OUTPUT_DNS']) {
      assert.ok(stdout.includes(`:${chain} `), `nat has ${chain}`);
    }
    assert.match(stdout, /-A PLEXUS_REDIRECT -p tcp -j REDIRECT --to-ports 15001/);
    assert.match(stdout, /-A PLEXUS_OUTPUT -m owner --uid-owner 1337 -j RETURN/);
  });

  it('redirects the app\'s connection to a VIP to 15001 with the original destination', async () => {
    const { captured, body } = parse(await runInPod<Fetched>(a.netns, 'fetch', { host: '198.19.0.5', port: 9080 }, APP));
    assert.deepEqual(captured?.od, { address: '198.19.0.5', port: 9080, family: 4 });
    assert.equal(captured?.listener, 15001);
    assert.equal(captured?.uid, 1337);
    assert.equal(body, '');
  });

  it('does not capture the proxy\'s own outbound connection', async () => {
    // The proxy relays to the original destination itself; were its connection captured,
    // it would land on 15001 again and the body would be a second capture report.
    const { captured, body } = parse(await runInPod<Fetched>(a.netns, 'fetch', { host: b.address, port: 7000 }, APP));
    assert.deepEqual(captured?.od, { address: b.address, port: 7000, family: 4 });
    assert.equal(body, 'b:7000\n');
    // And a connection opened directly by uid 1337 goes straight out.
    assert.deepEqual(parse(await runInPod<Fetched>(a.netns, 'fetch', { host: b.address, port: 7000 }, PROXY)), { body: 'b:7000\n' });
  });

  it('leaves excluded outbound ports alone', async () => {
    assert.deepEqual(parse(await runInPod<Fetched>(a.netns, 'fetch', { host: b.address, port: 7001 }, APP)), { body: 'b:7001\n' });
  });

  it('redirects inbound connections to 15006 with the original destination', async () => {
    const { captured, body } = parse(await runInPod<Fetched>(b.netns, 'fetch', { host: a.address, port: 8080 }));
    assert.equal(captured?.listener, 15006);
    assert.deepEqual(captured?.od, { address: a.address, port: 8080, family: 4 });
    assert.equal(body, 'a-app:8080\n', 'the proxy reached the app on 127.0.0.1 without being captured again');
  });

  it('leaves excluded inbound ports and the sidecar\'s own ports alone', async () => {
    assert.deepEqual(parse(await runInPod<Fetched>(b.netns, 'fetch', { host: a.address, port: 8081 })), { body: 'a-app:8081\n' });
    assert.deepEqual(parse(await runInPod<Fetched>(b.netns, 'fetch', { host: a.address, port: 15021 })), { body: 'sidecar-ready\n' });
  });

  it('sends the proxy\'s connection to its own pod IP through the inbound path, and the app\'s directly', async () => {
    // Proxy → own pod IP (an app calling its own service): inbound listener, like Istio.
    const viaProxy = parse(await runInPod<Fetched>(a.netns, 'fetch', { host: a.address, port: 8080 }, PROXY));
    assert.equal(viaProxy.captured?.listener, 15006);
    assert.equal(viaProxy.body, 'a-app:8080\n');
    // App → own pod IP: not captured.
    assert.deepEqual(parse(await runInPod<Fetched>(a.netns, 'fetch', { host: a.address, port: 8080 }, APP)), { body: 'a-app:8080\n' });
  });

  it('removes every capture rule', async () => {
    await removeCapture(a.netns);
    for (const table of ['nat', 'raw']) {
      const { stdout } = await runInNetns(a.netns, 'iptables-save', ['-t', table]);
      assert.ok(!stdout.includes('PLEXUS'), `${table} still has: ${stdout}`);
    }
    assert.deepEqual(parse(await runInPod<Fetched>(a.netns, 'fetch', { host: b.address, port: 7000 }, APP)), { body: 'b:7000\n' });
    await removeCapture(a.netns); // idempotent
    for (const c of children.splice(0)) await c.stop();
    await network.teardown();
    assert.deepEqual(await leftoversWithPrefix(prefix), []);
  });
});
