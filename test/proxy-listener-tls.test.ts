import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as tls from 'node:tls';
import type { DownstreamTlsConfig, ListenerConfig } from '../src/proxy/config/model.js';
import { remapBindAddress } from '../src/proxy/listener/bind-address.js';
import { ProxyProcess } from '../src/proxy/proxy-process.js';
import type { WorkloadCertificateMaterial } from '../src/proxy/tls/local-secret-store.js';
import { closed, dial, echoServer, makeCa, makeLeaf, MapConnector, readAll, snapshotOf, tcpListener, testLogger, type TestCa, type TestLeaf } from './proxy-listener-support.js';

/** A certificate source that rotates on demand, like the agent. */
class Certs extends EventEmitter {
  constructor(private cert: WorkloadCertificateMaterial) {
    super();
  }
  current(): WorkloadCertificateMaterial {
    return this.cert;
  }
  rotate(cert: WorkloadCertificateMaterial): void {
    this.cert = cert;
    this.emit('change', cert);
  }
}

const MTLS: DownstreamTlsConfig = {
  certificateSecrets: ['default'],
  validationSecret: 'ROOTCA',
  requireClientCertificate: true,
  matchSubjectAltNames: [],
  alpnProtocols: ['h2', 'http/1.1'],
};

function tlsListener(name: string, port: number, config: DownstreamTlsConfig): ListenerConfig {
  const l = tcpListener(name, port, 'echo');
  return { ...l, tlsInspector: true, filterChains: [{ ...l.filterChains[0], tls: config }] };
}

let ca: TestCa;
let otherCa: TestCa;
let server: TestLeaf;
let client: TestLeaf;
let rogue: TestLeaf;
let echoPort: number;
let echoSrv: Server;

before(async () => {
  ca = await makeCa('mesh');
  otherCa = await makeCa('elsewhere');
  server = await makeLeaf(ca, 'spiffe://cluster.local/ns/default/sa/server');
  client = await makeLeaf(ca, 'spiffe://cluster.local/ns/web/sa/frontend');
  rogue = await makeLeaf(otherCa, 'spiffe://cluster.local/ns/web/sa/frontend');
  const e = await echoServer();
  echoPort = e.port;
  echoSrv = e.server;
});
after(() => echoSrv.close());

interface Dialed {
  socket: tls.TLSSocket;
  result: Promise<{ ok: boolean; reply: string; alpn: string | false; serial?: string }>;
}

/** Connects with TLS, sends `msg`, half-closes, and reports what came back. */
function talk(port: number, opts: tls.ConnectionOptions, msg = 'hello over mTLS'): Dialed {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certPem, ...opts });
  const result = new Promise<{ ok: boolean; reply: string; alpn: string | false; serial?: string }>((resolve) => {
    let reply = '';
    let secure = false;
    let alpn: string | false = false;
    let serial: string | undefined;
    socket.on('secureConnect', () => {
      secure = true;
      alpn = socket.alpnProtocol ?? false;
      serial = socket.getPeerX509Certificate()?.serialNumber;
      socket.end(msg);
    });
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    const done = (): void => resolve({ ok: secure && reply === msg, reply, alpn, serial });
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', () => undefined);
  });
  return { socket, result };
}

async function start(listeners: ListenerConfig[], certs: Certs, connector: MapConnector, handshakeTimeoutMs = 2000): Promise<ProxyProcess> {
  const p = new ProxyProcess({
    logger: testLogger,
    staticSnapshot: snapshotOf(listeners),
    certificates: certs,
    tcpUpstream: connector,
    bindAddress: remapBindAddress({ host: '127.0.0.1', otherPorts: 'ephemeral' }),
    handshakeTimeoutMs,
    health: false,
  });
  await p.start();
  return p;
}

const material = (leaf: TestLeaf, roots: string): WorkloadCertificateMaterial => ({ certChainPem: leaf.certPem, keyPem: leaf.keyPem, rootsPem: roots });

describe('TLS termination (mTLS)', () => {
  it('accepts a mesh client, extracts its SPIFFE id, negotiates ALPN; refuses no cert and a foreign CA', async () => {
    const connector = new MapConnector(new Map([['echo', echoPort]]));
    const p = await start([tlsListener('inbound', 15006, MTLS)], new Certs(material(server, ca.certPem)), connector);
    try {
      const port = p.listeners.address('inbound')!.port;
      const good = await talk(port, { cert: client.certPem, key: client.keyPem, ALPNProtocols: ['h2', 'http/1.1'] }).result;
      assert.equal(good.ok, true, `echo through mTLS: ${JSON.stringify(good)}`);
      assert.equal(good.alpn, 'h2');
      const info = connector.calls[0].ctx.downstream!;
      assert.equal(info.peerPrincipal, 'spiffe://cluster.local/ns/web/sa/frontend');
      assert.equal(info.tlsTerminated, true);
      assert.equal(info.negotiatedAlpn, 'h2');

      // An ALPN the chain does not speak: Envoy completes the handshake without ALPN.
      const noAlpn = await talk(port, { cert: client.certPem, key: client.keyPem, ALPNProtocols: ['istio'] }).result;
      assert.equal(noAlpn.ok, true);
      assert.equal(noAlpn.alpn, false);

      const anonymous = await talk(port, {}).result;
      assert.equal(anonymous.ok, false, 'no client certificate is refused');
      const foreign = await talk(port, { cert: rogue.certPem, key: rogue.keyPem }).result;
      assert.equal(foreign.ok, false, 'a certificate from another CA is refused');
      assert.equal(connector.calls.length, 2, 'refused connections never reach upstream');
      assert.ok(p.stats.tlsHandshakeErrors.collect().samples.reduce((n, s) => n + s.value, 0) >= 2);
    } finally {
      await p.stop();
    }
  });

  it('SAN matching refuses a trusted client with the wrong identity', async () => {
    const connector = new MapConnector(new Map([['echo', echoPort]]));
    const only: DownstreamTlsConfig = { ...MTLS, matchSubjectAltNames: [{ kind: 'prefix', value: 'spiffe://cluster.local/ns/payments/' }] };
    const p = await start([tlsListener('inbound', 15006, only)], new Certs(material(server, ca.certPem)), connector);
    try {
      const port = p.listeners.address('inbound')!.port;
      const r = await talk(port, { cert: client.certPem, key: client.keyPem }).result;
      assert.equal(r.ok, false);
      assert.equal(p.stats.tlsHandshakeErrors.get({ envoy_listener_address: 'inbound', reason: 'san' }), 1);
    } finally {
      await p.stop();
    }
  });

  it('certificate rotation: new handshakes get the new certificate, an open connection stays up', async () => {
    const connector = new MapConnector(new Map([['echo', echoPort]]));
    const certs = new Certs(material(server, ca.certPem));
    const p = await start([tlsListener('inbound', 15006, MTLS)], certs, connector);
    try {
      const port = p.listeners.address('inbound')!.port;
      // A long-lived connection opened before the rotation.
      const old = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certPem, cert: client.certPem, key: client.keyPem });
      await new Promise((r) => old.once('secureConnect', r));
      const oldSerial = old.getPeerX509Certificate()!.serialNumber;
      const next = await makeLeaf(ca, 'spiffe://cluster.local/ns/default/sa/server');
      certs.rotate(material(next, ca.certPem));
      const fresh = await talk(port, { cert: client.certPem, key: client.keyPem }).result;
      assert.equal(fresh.ok, true);
      assert.notEqual(fresh.serial, oldSerial, 'new handshakes use the rotated certificate');
      const reply = readAll(old);
      old.end('still here');
      assert.equal((await reply).toString(), 'still here');
    } finally {
      await p.stop();
    }
  });

  it('garbage, a stalled handshake and an abrupt reset fail alone; a concurrent healthy connection is unaffected', async () => {
    const connector = new MapConnector(new Map([['echo', echoPort]]));
    const p = await start([tlsListener('inbound', 15006, { ...MTLS, requireClientCertificate: true })], new Certs(material(server, ca.certPem)), connector, 300);
    try {
      const port = p.listeners.address('inbound')!.port;
      // A healthy connection, open throughout.
      const healthy = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certPem, cert: client.certPem, key: client.keyPem });
      await new Promise((r) => healthy.once('secureConnect', r));

      const garbage = await dial(port);
      garbage.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x20, ...Array(32).fill(0x41)]));
      const junk = await dial(port);
      junk.write('this is not TLS at all\r\n\r\n');
      const stalled = await dial(port);
      stalled.write(Buffer.from([0x16, 0x03, 0x01]));
      const reset = await dial(port);
      reset.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
      reset.resetAndDestroy();
      const mid = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certPem });
      mid.on('error', () => undefined);
      mid.once('connect', () => mid.destroy());

      assert.equal(await closed(garbage), 'closed');
      assert.equal(await closed(junk), 'closed');
      assert.equal(await closed(stalled, 8000), 'closed');

      const reply = readAll(healthy);
      healthy.end('healthy');
      assert.equal((await reply).toString(), 'healthy');
      const second = await talk(port, { cert: client.certPem, key: client.keyPem }).result;
      assert.equal(second.ok, true);
    } finally {
      await p.stop();
    }
  });
});

describe('listener updates', () => {
  it('a long-lived connection keeps its chain across updates and listener removal', async () => {
    const a = await echoServer();
    const b = await echoServer();
    try {
      const connector = new MapConnector(new Map([['a', a.port], ['b', b.port]]));
      const p = new ProxyProcess({
        logger: testLogger,
        staticSnapshot: snapshotOf([tcpListener('l1', 7001, 'a')]),
        tcpUpstream: connector,
        bindAddress: remapBindAddress({ host: '127.0.0.1', ports: { 7001: 0, 7002: 0 } }),
        health: false,
      });
      await p.start();
      try {
        const port1 = p.listeners.address('l1')!.port;
        const long = await dial(port1);
        const echoed = (s: typeof long, msg: string): Promise<string> =>
          new Promise((resolve) => {
            s.once('data', (d: Buffer) => resolve(d.toString()));
            s.write(msg);
          });
        assert.equal(await echoed(long, 'one'), 'one');

        // Same listener, new chain target, plus a new listener.
        p.holder.replace(snapshotOf([tcpListener('l1', 7001, 'b'), tcpListener('l2', 7002, 'b')]));
        await p.listeners.reconcile(p.holder.current);
        assert.equal(p.listeners.address('l1')!.port, port1, 'not rebound');
        assert.equal(await echoed(long, 'two'), 'two');
        const fresh = await dial(port1);
        assert.equal(await echoed(fresh, 'x'), 'x');
        fresh.destroy();
        assert.deepEqual(connector.calls.map((c) => c.cluster), ['a', 'b']);
        assert.ok(p.listeners.address('l2'));

        // Remove l1: it stops accepting, the old connection drains on.
        p.holder.replace(snapshotOf([tcpListener('l2', 7002, 'b')]));
        await p.listeners.reconcile(p.holder.current);
        assert.equal(p.listeners.address('l1'), undefined);
        await assert.rejects(dial(port1));
        assert.equal(await echoed(long, 'three'), 'three');
        long.destroy();
      } finally {
        await p.stop();
      }
    } finally {
      a.server.close();
      b.server.close();
    }
  });
});
