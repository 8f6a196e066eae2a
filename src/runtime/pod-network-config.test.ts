import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { AddressAllocator } from './address-allocator.js';
import { cidrContains, parseIpv4Cidr } from './ipv4-cidr.js';
import { hostVethName, isRuntimeLink, isRuntimeNetns, podNetnsName, resolvePodNetworkConfig } from './pod-network-config.js';
import { parseResolvConf, podSearchDomains } from './resolv-conf.js';

it('derives names and defaults from the options', () => {
  const config = resolvePodNetworkConfig({ stateDir: '/tmp/x' });
  assert.equal(config.bridge, 'plexus0');
  assert.equal(config.gateway, '198.18.0.1');
  assert.equal(config.podCidr.prefixLength, 16);
  assert.equal(config.hostChainPrefix, 'PLEXUS_');
  assert.equal(podNetnsName('plexus', 'default', 'reviews-v1'), 'plexus-default-reviews-v1');
  const veth = hostVethName('plexus', 'plexus-default-reviews-v1');
  assert.equal(veth.length, 15);
  assert.ok(isRuntimeLink('plexus', veth));
  assert.ok(isRuntimeLink('plexus', 'plexus0'));
  assert.ok(!isRuntimeLink('plexus', 'plexus1'));
  assert.ok(isRuntimeNetns('plexus', 'plexus-default-a'));
  assert.throws(() => podNetnsName('plexus', 'Default', 'a'), /DNS-1123/);
  assert.throws(() => resolvePodNetworkConfig({ stateDir: '/x', prefix: 'much-too-long' }), /prefix/);
  assert.throws(() => resolvePodNetworkConfig({ stateDir: '/x', podCidr: '198.18.0.1/16' }), /host bits/);
  assert.throws(() => resolvePodNetworkConfig({ stateDir: '/x', podCidr: '198.18.0.0/24', gateway: '198.18.1.1' }), /not inside/);
});

it('allocates addresses exclusively, persistently, skipping the gateway', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plexus-alloc-'));
  try {
    const cidr = parseIpv4Cidr('198.18.7.0/29');
    const alloc = new AddressAllocator(dir, cidr, ['198.18.7.1']);
    // Concurrent claims never collide.
    const got = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((o) => alloc.claim(o)));
    assert.equal(new Set(got).size, 5);
    assert.ok(got.every((a) => cidrContains(cidr, a) && a !== '198.18.7.1' && a !== '198.18.7.0' && a !== '198.18.7.7'));
    await assert.rejects(alloc.claim('f'), { code: 'PLEXUS_ERR_HOST_NETWORK' });
    // Same owner, same address — also from a new instance (after a restart).
    const again = new AddressAllocator(dir, cidr, ['198.18.7.1']);
    assert.equal(await again.claim('c'), got[2]);
    assert.equal((await readFile(join(dir, got[2]!), 'utf8')).trim(), 'c');
    await again.release('c');
    assert.equal(await again.addressOf('c'), undefined);
    assert.equal(await again.claim('f'), got[2]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('parses resolv.conf and builds a pod search list', () => {
  const conf = parseResolvConf('# c\nnameserver 198.18.0.53\nnameserver 198.18.0.54 ; x\nsearch a.example b.example\noptions ndots:2 edns0\n');
  assert.deepEqual(conf, { nameservers: ['198.18.0.53', '198.18.0.54'], search: ['a.example', 'b.example'], options: ['ndots:2', 'edns0'] });
  assert.deepEqual(podSearchDomains('shop', 'cluster.local', ['a.example', 'cluster.local']), ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'a.example']);
});
