import assert from 'node:assert/strict';
import { it } from 'node:test';
import { captureRules } from './iptables-capture.js';

it('writes Istio\'s REDIRECT-mode layout with DNS capture by default', () => {
  const rules = captureRules().split('\n');
  const nat = rules.slice(0, rules.indexOf('COMMIT'));
  assert.deepEqual(nat.slice(0, 9), [
    '*nat',
    ':PLEXUS_INBOUND - [0:0]',
    ':PLEXUS_REDIRECT - [0:0]',
    ':PLEXUS_IN_REDIRECT - [0:0]',
    ':PLEXUS_OUTPUT - [0:0]',
    ':PLEXUS_OUTPUT_DNS - [0:0]',
    '-A PLEXUS_INBOUND -p tcp --dport 15008 -j RETURN',
    '-A PLEXUS_REDIRECT -p tcp -j REDIRECT --to-ports 15001',
    '-A PLEXUS_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006',
  ]);
  for (const line of [
    '-A PREROUTING -p tcp -j PLEXUS_INBOUND',
    '-A PLEXUS_INBOUND -p tcp --dport 15090 -j RETURN',
    '-A PLEXUS_INBOUND -p tcp --dport 15021 -j RETURN',
    '-A PLEXUS_INBOUND -p tcp --dport 15020 -j RETURN',
    '-A PLEXUS_INBOUND -p tcp -j PLEXUS_IN_REDIRECT',
    '-A OUTPUT -j PLEXUS_OUTPUT',
    '-A PLEXUS_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN',
    '-A PLEXUS_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp -m multiport ! --dports 53,15008 -m owner --uid-owner 1337 -j PLEXUS_IN_REDIRECT',
    '-A PLEXUS_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --uid-owner 1337 -j RETURN',
    '-A PLEXUS_OUTPUT -m owner --uid-owner 1337 -j RETURN',
    '-A PLEXUS_OUTPUT -m owner --gid-owner 1337 -j RETURN',
    '-A PLEXUS_OUTPUT_DNS -p udp --dport 53 -m owner --uid-owner 1337 -j RETURN',
    '-A PLEXUS_OUTPUT_DNS -p udp --dport 53 -j REDIRECT --to-ports 15053',
    '-A PLEXUS_OUTPUT_DNS -p tcp --dport 53 -j REDIRECT --to-ports 15053',
    '-A PLEXUS_OUTPUT -d 127.0.0.1/32 -j RETURN',
  ]) assert.ok(nat.includes(line), `missing: ${line}`);
  assert.equal(nat.at(-1), '-A PLEXUS_OUTPUT -j PLEXUS_REDIRECT');
  // The proxy's own traffic returns before anything can redirect it.
  assert.ok(nat.indexOf('-A PLEXUS_OUTPUT -m owner --uid-owner 1337 -j RETURN') < nat.indexOf('-A PLEXUS_OUTPUT -j PLEXUS_OUTPUT_DNS'));
  const raw = rules.slice(rules.indexOf('*raw'));
  assert.ok(raw.includes('-A PLEXUS_OUTPUT_DNS -p udp --dport 53 -m owner --uid-owner 1337 -j CT --zone 1'));
  assert.ok(raw.includes('-A PLEXUS_OUTPUT_DNS -p udp --sport 15053 -m owner --uid-owner 1337 -j CT --zone 2'));
  assert.ok(raw.includes('-A PLEXUS_INBOUND -p udp --sport 53 -j CT --zone 1'));
});

it('applies exclusions, includes, another uid and no DNS', () => {
  const text = captureRules({
    proxyUid: 2000,
    captureDns: false,
    inboundExcludePorts: [22, 8081],
    outboundExcludePorts: [5432],
    outboundExcludeCidrs: ['198.18.5.0/24'],
    outboundCidrs: ['198.19.0.0/16'],
  });
  const lines = text.split('\n');
  assert.ok(!text.includes('*raw'));
  assert.ok(!text.includes('15053'));
  assert.ok(lines.includes('-A OUTPUT -p tcp -j PLEXUS_OUTPUT'));
  assert.ok(lines.includes('-A PLEXUS_INBOUND -p tcp -m multiport --dports 22,8081 -j RETURN'));
  assert.ok(lines.includes('-A PLEXUS_OUTPUT -p tcp -m multiport --dports 5432 -j RETURN'));
  assert.ok(lines.includes('-A PLEXUS_OUTPUT -m owner --uid-owner 2000 -j RETURN'));
  assert.ok(lines.includes('-A PLEXUS_OUTPUT -m owner --gid-owner 2000 -j RETURN'));
  assert.ok(lines.includes('-A PLEXUS_OUTPUT -o lo -m owner ! --uid-owner 2000 -j RETURN'));
  assert.ok(lines.includes('-A PLEXUS_OUTPUT -d 198.18.5.0/24 -j RETURN'));
  assert.ok(lines.includes('-A PLEXUS_OUTPUT -d 198.19.0.0/16 -j PLEXUS_REDIRECT'));
  assert.equal(lines.at(-3), '-A PLEXUS_OUTPUT -j RETURN');
});

it('captures only listed inbound ports, or none', () => {
  const listed = captureRules({ inboundPorts: [9080] });
  assert.ok(listed.includes('-A PLEXUS_INBOUND -p tcp --dport 9080 -j PLEXUS_IN_REDIRECT'));
  assert.ok(!listed.includes('-A PLEXUS_INBOUND -p tcp -j PLEXUS_IN_REDIRECT'));
  assert.ok(!captureRules({ inboundPorts: [] }).includes('-A PREROUTING -p tcp'));
  assert.ok(!captureRules({ captureInbound: false }).includes('-A PREROUTING -p tcp'));
});

it('narrows DNS capture to the given servers', () => {
  const text = captureRules({ dnsServers: ['198.18.0.1'] });
  assert.ok(text.includes('-A PLEXUS_OUTPUT_DNS -p udp --dport 53 -d 198.18.0.1/32 -j REDIRECT --to-ports 15053'));
  assert.ok(text.includes('-A PLEXUS_INBOUND -p udp --sport 53 -s 198.18.0.1/32 -j CT --zone 1'));
});
