// The DNS proxy in a pod behind the capture rules: the app's ordinary lookups (getaddrinfo,
// with the pod's search list) get mesh VIPs from the proxy, other names go to an upstream
// resolver run by the test in another pod, and NXDOMAIN comes only from that upstream.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanupLeftovers } from '../src/runtime/cleanup-leftovers.js';
import { installCapture } from '../src/runtime/iptables-capture.js';
import { PodNetwork, type PodRecord } from '../src/runtime/pod-network.js';
import { leftoversWithPrefix, namespaceTestsSkipReason, runInPod, startInPod, type PodChild } from './runtime-support.js';

const skip = namespaceTestsSkipReason();
const APP = { uid: 1000, gid: 1000 };
const PROXY = { uid: 1337, gid: 1337 };

describe('DNS proxy behind capture', { skip, timeout: 90_000 }, () => {
  const prefix = 'pxd';
  let stateDir = '';
  let network: PodNetwork;
  let app: PodRecord;
  let resolver: PodRecord;
  let upstream: PodChild | undefined;
  const children: PodChild[] = [];

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'plexus-dns-'));
    // A run of this test killed mid-way (timeout) may have left objects with this prefix.
    await cleanupLeftovers(stateDir, { prefix });
    network = new PodNetwork({ stateDir, prefix, podCidr: '198.18.96.0/24' });
    resolver = await network.createPod({ namespace: 'infra', name: 'resolver', dns: false });
    // The app pod's resolv.conf names the test resolver, like a host's would name a real one.
    app = await network.createPod({ namespace: 'default', name: 'app', dns: { nameservers: [resolver.address] } });
    upstream = await startInPod(resolver.netns, 'dns-upstream', { records: { 'outside.test': '198.18.96.200' } });
    children.push(upstream);
    children.push(await startInPod(app.netns, 'dns-proxy', {
      namespace: 'default',
      search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      hosts: [
        { hostname: 'reviews.default.svc.cluster.local', addresses: ['198.19.0.5'] },
        { hostname: 'ratings.shop.svc.cluster.local', addresses: ['198.19.0.6'] },
        { hostname: 'api.example.com', addresses: ['198.19.0.9'] },
      ],
    }, PROXY));
    await installCapture(app.netns);
  });
  after(async () => {
    for (const c of children) await c.stop();
    if (stateDir) {
      await network.teardown().catch(() => undefined);
      await cleanupLeftovers(stateDir, { prefix }).catch(() => undefined);
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  const asked = (): string[] => (upstream?.lines ?? []).filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { asked: string }).asked);

  it('answers mesh names (short, namespaced, FQDN, ServiceEntry) for the app', async () => {
    const names = ['reviews', 'reviews.default', 'reviews.default.svc', 'reviews.default.svc.cluster.local', 'ratings.shop', 'api.example.com'];
    const got = await runInPod<Record<string, string>>(app.netns, 'lookup', { names }, APP);
    assert.deepEqual(got, {
      reviews: '198.19.0.5',
      'reviews.default': '198.19.0.5',
      'reviews.default.svc': '198.19.0.5',
      'reviews.default.svc.cluster.local': '198.19.0.5',
      'ratings.shop': '198.19.0.6',
      'api.example.com': '198.19.0.9',
    });
    assert.deepEqual(asked().filter((n) => /reviews|ratings|example\.com/.test(n)), [], 'no mesh name leaked upstream');
  });

  it('forwards other names to the upstream, which alone says NXDOMAIN', async () => {
    const got = await runInPod<Record<string, string>>(app.netns, 'lookup', { names: ['outside.test', 'missing.test'] }, APP);
    assert.deepEqual(got, { 'outside.test': '198.18.96.200', 'missing.test': 'ENOTFOUND' });
    assert.ok(asked().includes('outside.test'));
    assert.ok(asked().includes('missing.test'));
  });

  it('captures DNS over TCP too', async () => {
    const mesh = await runInPod<{ rcode: number; aa: boolean; answers: string[] }>(app.netns, 'dns-query', { server: resolver.address, name: 'reviews.default.svc.cluster.local', transport: 'tcp' }, APP);
    assert.deepEqual(mesh, { rcode: 0, aa: true, answers: ['198.19.0.5'] });
    const outside = await runInPod<{ rcode: number; answers: string[] }>(app.netns, 'dns-query', { server: resolver.address, name: 'outside.test', transport: 'tcp' }, APP);
    assert.deepEqual(outside.answers, ['198.18.96.200']);
    const udp = await runInPod<{ rcode: number; answers: string[] }>(app.netns, 'dns-query', { server: resolver.address, name: 'nothing.test', transport: 'udp' }, APP);
    assert.equal(udp.rcode, 3);
    assert.deepEqual(asked().filter((n) => n.startsWith('reviews')), [], 'the TCP mesh query was answered by the proxy');
  });

  it('leaves nothing behind', async () => {
    for (const c of children.splice(0)) await c.stop();
    await network.teardown();
    assert.deepEqual(await leftoversWithPrefix(prefix), []);
  });
});
