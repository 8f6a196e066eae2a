// The network RBAC filter on real TCP listeners (plaintext and mTLS) in a ProxyProcess: a
// denied connection is closed before tcp_proxy dials upstream; stats and Prometheus names.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as tls from 'node:tls';
import type { DownstreamTlsConfig, ListenerConfig, NetworkRbacFilter } from '../src/proxy/config/model.js';
import type { ConnectionInfo } from '../src/proxy/config/snapshot-holder.js';
import { createNetworkRbacCheck } from '../src/proxy/filters/rbac/network-filter.js';
import { remapBindAddress } from '../src/proxy/listener/bind-address.js';
import { ProxyProcess } from '../src/proxy/proxy-process.js';
import type { WorkloadCertificateMaterial } from '../src/proxy/tls/local-secret-store.js';
import { EnvoyNamedCounters } from '../src/telemetry/envoy-named-counters.js';
import { closed, dial, echoServer, makeCa, makeLeaf, MapConnector, readAll, snapshotOf, tcpListener, testLogger, type TestCa, type TestLeaf } from './proxy-listener-support.js';

const ANY = { any: true };

function rbac(config: Record<string, unknown>): NetworkRbacFilter {
  const statPrefix = String(config['stat_prefix'] ?? 'tcp.');
  return { kind: 'network_rbac', statPrefix, config: { stat_prefix: statPrefix, ...config } };
}

/** One listener: network RBAC, then tcp_proxy to the echo cluster; TLS-terminating when `tlsConfig` is given. */
function listener(filter: NetworkRbacFilter, tlsConfig?: DownstreamTlsConfig): ListenerConfig {
  const l = tcpListener('inbound', 15006, 'echo');
  const chain = l.filterChains[0]!;
  return { ...l, tlsInspector: tlsConfig !== undefined, filterChains: [{ ...chain, ...(tlsConfig ? { tls: tlsConfig } : {}), filters: [filter, ...chain.filters] }] };
}

class Certs extends EventEmitter {
  constructor(private readonly cert: WorkloadCertificateMaterial) {
    super();
  }
  current(): WorkloadCertificateMaterial {
    return this.cert;
  }
}

let echoPort = 0;
let echoSrv: Server;
let ca: TestCa;
let serverLeaf: TestLeaf;
let frontend: TestLeaf;
let other: TestLeaf;

before(async () => {
  const e = await echoServer();
  echoPort = e.port;
  echoSrv = e.server;
  ca = await makeCa('mesh');
  serverLeaf = await makeLeaf(ca, 'spiffe://cluster.local/ns/default/sa/server');
  frontend = await makeLeaf(ca, 'spiffe://cluster.local/ns/web/sa/frontend');
  other = await makeLeaf(ca, 'spiffe://cluster.local/ns/web/sa/other');
});
after(() => echoSrv.close());

async function start(l: ListenerConfig, withCerts = false, withAdmin = false): Promise<{ proxy: ProxyProcess; port: number; connector: MapConnector }> {
  const connector = new MapConnector(new Map([['echo', echoPort]]));
  const proxy = new ProxyProcess({
    logger: testLogger,
    staticSnapshot: snapshotOf([l]),
    tcpUpstream: connector,
    bindAddress: remapBindAddress({ host: '127.0.0.1', otherPorts: 'ephemeral' }),
    health: false,
    ...(withAdmin ? { admin: { port: 0 } } : {}),
    ...(withCerts ? { certificates: new Certs({ certChainPem: serverLeaf.certPem, keyPem: serverLeaf.keyPem, rootsPem: ca.certPem }) } : {}),
  });
  await proxy.start();
  const a = proxy.listeners.address('inbound');
  assert.ok(a);
  return { proxy, port: a.port, connector };
}

/** Sends `msg` and half-closes: the echo reply, or '' when the proxy closed the connection. */
async function echoOver(port: number, msg = 'ping'): Promise<string> {
  const s = await dial(port);
  const reply = readAll(s);
  s.on('error', () => undefined);
  s.end(msg);
  return (await reply).toString();
}

function tlsEcho(port: number, leaf: TestLeaf, msg = 'ping'): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certPem, cert: leaf.certPem, key: leaf.keyPem });
    let reply = '';
    socket.on('secureConnect', () => socket.end(msg));
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(reply));
  });
}

const MTLS: DownstreamTlsConfig = { certificateSecrets: ['default'], validationSecret: 'ROOTCA', requireClientCertificate: true, matchSubjectAltNames: [], alpnProtocols: [] };

describe('network RBAC filter', () => {
  it('allow-nothing closes every connection before tcp_proxy dials upstream', async () => {
    const { proxy, port, connector } = await start(listener(rbac({ rules: {} })), false, true);
    try {
      const s = await dial(port);
      assert.equal(await closed(s), 'closed');
      assert.equal(await echoOver(port), '');
      assert.equal(connector.calls.length, 0);
      assert.equal(proxy.envoyStats.value('tcp.rbac.denied'), 2);
      assert.equal(proxy.envoyStats.value('tcp.rbac.allowed'), 0);
      // The admin API shows them under Envoy's names, in text and in Prometheus form.
      const admin = `http://127.0.0.1:${proxy.ports.admin}`;
      const text = await (await fetch(`${admin}/stats?filter=rbac`)).text();
      assert.match(text, /^tcp\.rbac\.denied: 2$/m);
      assert.match(text, /^tcp\.rbac\.allowed: 0$/m);
      const prom = await (await fetch(`${admin}/stats/prometheus`)).text();
      assert.match(prom, /^envoy_tcp_rbac_denied 2$/m);
    } finally {
      await proxy.stop();
    }
  });

  it('ALLOW on destination ip and source ip lets the connection through to upstream', async () => {
    const allow = { policies: { local: { permissions: [{ destination_ip: { address_prefix: '127.0.0.0', prefix_len: { value: 8 } } }], principals: [{ remote_ip: { address_prefix: '127.0.0.1', prefix_len: { value: 32 } } }] } } };
    const { proxy, port, connector } = await start(listener(rbac({ rules: allow })));
    try {
      assert.deepEqual(await Promise.all([echoOver(port, 'a'), echoOver(port, 'b'), echoOver(port, 'c')]), ['a', 'b', 'c']);
      assert.equal(connector.calls.length, 3);
      assert.equal(proxy.envoyStats.value('tcp.rbac.allowed'), 3);
    } finally {
      await proxy.stop();
    }
  });

  it('HTTP-only permissions never match on TCP: an ALLOW on paths denies, a DENY on not-paths denies', async () => {
    const allowPath = rbac({ rules: { action: 'ALLOW', policies: { http: { permissions: [{ url_path: { path: { prefix: '/' } } }], principals: [ANY] } } } });
    const a = await start(listener(allowPath));
    try {
      assert.equal(await echoOver(a.port), '');
    } finally {
      await a.proxy.stop();
    }
    const denyNotPath = rbac({ rules: { action: 'DENY', policies: { 'ns[foo]-policy[deny]-rule[0]': { permissions: [{ not_rule: { url_path: { path: { exact: '/admin' } } } }], principals: [ANY] } } } });
    const d = await start(listener(denyNotPath));
    try {
      assert.equal(await echoOver(d.port), '');
      assert.equal(d.proxy.envoyStats.value('tcp.rbac.denied'), 1);
    } finally {
      await d.proxy.stop();
    }
  });

  it('shadow rules are counted under their prefix and do not change the decision', async () => {
    const filter = rbac({ stat_prefix: 'tcp', shadow_rules: { action: 'ALLOW', policies: {} }, shadow_rules_stat_prefix: 'istio_dry_run_allow_' });
    const { proxy, port } = await start(listener(filter));
    try {
      assert.equal(await echoOver(port, 'through'), 'through');
      // A stat_prefix without a trailing dot gets one, as Envoy joins it.
      assert.equal(proxy.envoyStats.value('tcp.rbac.istio_dry_run_allow_shadow_denied'), 1);
      assert.equal(proxy.envoyStats.value('tcp.rbac.allowed'), 0, 'no enforcing rules, nothing counted');
    } finally {
      await proxy.stop();
    }
  });

  it('mTLS: authenticated principal_name admits only the named SPIFFE identity', async () => {
    const allowFrontend = rbac({ rules: { policies: { 'ns[default]-policy[frontend]-rule[0]': { permissions: [ANY], principals: [{ authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/web/sa/frontend' } } }] } } } });
    const { proxy, port, connector } = await start(listener(allowFrontend, MTLS), true);
    try {
      assert.equal(await tlsEcho(port, frontend, 'from frontend'), 'from frontend');
      assert.equal(await tlsEcho(port, other, 'from other'), '');
      assert.equal(connector.calls.length, 1);
      assert.equal(proxy.envoyStats.value('tcp.rbac.allowed'), 1);
      assert.equal(proxy.envoyStats.value('tcp.rbac.denied'), 1);
    } finally {
      await proxy.stop();
    }
  });

  it('a config that does not compile denies (never fails open) and reports a verdict without a policy', () => {
    const check = createNetworkRbacCheck({ stats: new EnvoyNamedCounters() });
    const info: ConnectionInfo = { id: 1, remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2, originalDestination: { address: '127.0.0.1', port: 2 }, tlsTerminated: false, listenerName: 'l', filterChainName: 'c' };
    const bad = rbac({ rules: { policies: { p: { permissions: [{ uri_template: {} }], principals: [ANY] } } } });
    assert.deepEqual(check(bad, info), { allowed: false, policy: undefined });
    const deny = rbac({ rules: { action: 'DENY', policies: { 'ns[a]-policy[b]-rule[0]': { permissions: [ANY], principals: [ANY] } } } });
    assert.deepEqual(check(deny, info), { allowed: false, policy: 'ns[a]-policy[b]-rule[0]' });
  });
});
