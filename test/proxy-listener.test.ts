import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo, Server } from 'node:net';
import { after, describe, it } from 'node:test';
import * as tls from 'node:tls';
import type { ListenerConfig } from '../src/proxy/config/model.js';
import { remapBindAddress } from '../src/proxy/listener/bind-address.js';
import { ProxyProcess } from '../src/proxy/proxy-process.js';
import { closed, dial, echoServer, listenLoopback, makeCa, makeLeaf, MapConnector, readAll, snapshotOf, tcpListener, testLogger } from './proxy-listener-support.js';

const loopback = remapBindAddress({ host: '127.0.0.1', otherPorts: 'ephemeral' });

function proxy(listeners: ListenerConfig[], connector: MapConnector, extra: Partial<ConstructorParameters<typeof ProxyProcess>[0]> = {}): ProxyProcess {
  return new ProxyProcess({
    logger: testLogger,
    staticSnapshot: snapshotOf(listeners),
    tcpUpstream: connector,
    bindAddress: loopback,
    health: false,
    ...extra,
  });
}

function portOf(p: ProxyProcess, listener: string): number {
  const a = p.listeners.address(listener);
  assert.ok(a, `listener ${listener} is bound`);
  return a.port;
}

/** Writes `data`, half-closes, and reads the reply until the peer's FIN. */
async function roundTrip(port: number, data: Buffer | string): Promise<Buffer> {
  const s = await dial(port);
  const reply = readAll(s);
  s.end(data);
  return reply;
}

const servers: Server[] = [];
async function echo(): Promise<number> {
  const e = await echoServer();
  servers.push(e.server);
  return e.port;
}
after(() => {
  for (const s of servers) s.close();
});

describe('tcp_proxy', () => {
  it('half-close: the client FIN reaches upstream, which still answers afterwards', async () => {
    // Upstream reads until FIN, then sends a digest of what it got and closes.
    const up = await listenLoopback((s) => {
      const h = createHash('sha256');
      let n = 0;
      s.on('data', (c: Buffer) => {
        h.update(c);
        n += c.length;
      });
      s.on('end', () => setTimeout(() => s.end(`${n}:${h.digest('hex')}`), 50));
    });
    servers.push(up.server);
    const p = proxy([tcpListener('tcp', 9000, 'up')], new MapConnector(new Map([['up', up.port]])));
    await p.start();
    try {
      const payload = randomBytes(8 * 1024 * 1024 + 13);
      const reply = await roundTrip(portOf(p, 'tcp'), payload);
      assert.equal(reply.toString(), `${payload.length}:${createHash('sha256').update(payload).digest('hex')}`);
      assert.equal(p.stats.tcpRxBytes.get({ envoy_tcp_prefix: 'up' }), payload.length);
    } finally {
      await p.stop();
    }
  });

  it('backpressure: a slow reader stops the upstream writer; everything arrives', async () => {
    let writtenBeforeBlock = -1;
    const total = 32 * 1024 * 1024;
    const chunk = randomBytes(64 * 1024);
    const up = await listenLoopback((s) => {
      let written = 0;
      const pump = (): void => {
        while (written < total) {
          written += chunk.length;
          if (!s.write(chunk)) {
            if (writtenBeforeBlock < 0) writtenBeforeBlock = written;
            s.once('drain', pump);
            return;
          }
        }
        s.end();
      };
      pump();
    });
    servers.push(up.server);
    const p = proxy([tcpListener('tcp', 9001, 'up')], new MapConnector(new Map([['up', up.port]])));
    await p.start();
    try {
      const s = await dial(portOf(p, 'tcp'));
      s.pause();
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(writtenBeforeBlock > 0 && writtenBeforeBlock < total / 2, `upstream blocked after ${writtenBeforeBlock} bytes`);
      let got = 0;
      s.on('data', (c: Buffer) => (got += c.length));
      s.resume();
      await new Promise((r) => s.once('end', r));
      s.end();
      assert.equal(got, total);
    } finally {
      await p.stop();
    }
  });

  it('upstream connect failure closes the downstream and is counted', async () => {
    const p = proxy([tcpListener('tcp', 9002, 'missing')], new MapConnector(new Map()));
    await p.start();
    try {
      const s = await dial(portOf(p, 'tcp'));
      assert.equal(await closed(s), 'closed');
      assert.equal(p.stats.tcpConnectFail.get({ envoy_tcp_prefix: 'missing' }), 1);
    } finally {
      await p.stop();
    }
  });

  it('idle timeout closes a quiet connection', async () => {
    const port = await echo();
    const l = tcpListener('tcp', 9003, 'up');
    const idle: ListenerConfig = { ...l, filterChains: [{ ...l.filterChains[0], filters: [{ kind: 'tcp_proxy', statPrefix: 'up', clusters: [{ name: 'up', weight: 1 }], idleTimeoutMs: 200 }] }] };
    const p = proxy([idle], new MapConnector(new Map([['up', port]])));
    await p.start();
    try {
      const s = await dial(portOf(p, 'tcp'));
      assert.equal(await closed(s, 3000), 'closed');
      assert.equal(p.stats.tcpIdleTimeout.get({ envoy_tcp_prefix: 'up' }), 1);
    } finally {
      await p.stop();
    }
  });
});

describe('listener filter chains on live sockets', () => {
  it('no matching chain closes the connection and counts it', async () => {
    const l: ListenerConfig = { ...tcpListener('tls-only', 9100, 'x'), tlsInspector: true };
    const strict: ListenerConfig = { ...l, filterChains: [{ ...l.filterChains[0], match: { transportProtocol: 'tls' } }] };
    const p = proxy([strict], new MapConnector(new Map()));
    await p.start();
    try {
      const s = await dial(portOf(p, 'tls-only'));
      s.write('plaintext, not TLS\r\n');
      assert.equal(await closed(s), 'closed');
      assert.equal(p.stats.noFilterChainMatch.get({ envoy_listener_address: 'tls-only' }), 1);
    } finally {
      await p.stop();
    }
  });

  it('http inspector routes HTTP/1.1 and raw TCP to different chains; bytes arrive intact', async () => {
    const httpPort = await echo();
    const rawPort = await echo();
    const l: ListenerConfig = {
      ...tcpListener('inbound', 15006, 'x'),
      tlsInspector: true,
      httpInspector: true,
      filterChains: [
        { name: 'http', match: { applicationProtocols: ['http/1.1', 'http/1.0', 'h2c'] }, filters: [{ kind: 'tcp_proxy', statPrefix: 'http', clusters: [{ name: 'http', weight: 1 }] }] },
        { name: 'raw', match: {}, filters: [{ kind: 'tcp_proxy', statPrefix: 'raw', clusters: [{ name: 'raw', weight: 1 }] }] },
      ],
    };
    const connector = new MapConnector(new Map([['http', httpPort], ['raw', rawPort]]));
    const p = proxy([l], connector);
    await p.start();
    try {
      const port = portOf(p, 'inbound');
      const req = 'GET /hello HTTP/1.1\r\nHost: x\r\n\r\n';
      assert.equal((await roundTrip(port, req)).toString(), req);
      const h2 = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00';
      assert.equal((await roundTrip(port, h2)).toString(), h2);
      assert.equal((await roundTrip(port, 'hello raw')).toString(), 'hello raw');
      assert.deepEqual(connector.calls.map((c) => c.cluster), ['http', 'http', 'raw']);
    } finally {
      await p.stop();
    }
  });

  it('SNI passthrough: the raw TLS stream reaches the backend chosen by SNI (exact, then wildcard)', async () => {
    const ca = await makeCa('backend');
    const leaf = await makeLeaf(ca, 'spiffe://cluster.local/ns/default/sa/backend');
    const seen: string[] = [];
    const backend = (label: string): Promise<number> =>
      new Promise((resolve) => {
        const srv = tls.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (s) => {
          seen.push(`${label}:${String((s as tls.TLSSocket & { servername?: string }).servername)}`);
          s.end(`${label} says hi`);
        });
        servers.push(srv);
        srv.listen(0, '127.0.0.1', () => resolve((srv.address() as AddressInfo).port));
      });
    const exactPort = await backend('exact');
    const wildPort = await backend('wild');
    const l: ListenerConfig = {
      ...tcpListener('gw', 443, 'x'),
      tlsInspector: true,
      filterChains: [
        { name: 'exact', match: { serverNames: ['api.example.com'] }, filters: [{ kind: 'tcp_proxy', statPrefix: 'exact', clusters: [{ name: 'exact', weight: 1 }] }] },
        { name: 'wild', match: { serverNames: ['*.example.com'] }, filters: [{ kind: 'tcp_proxy', statPrefix: 'wild', clusters: [{ name: 'wild', weight: 1 }] }] },
      ],
    };
    const connector = new MapConnector(new Map([['exact', exactPort], ['wild', wildPort]]));
    const p = proxy([l], connector);
    await p.start();
    try {
      const port = portOf(p, 'gw');
      const talk = (servername: string): Promise<string> =>
        new Promise((resolve, reject) => {
          const c = tls.connect({ host: '127.0.0.1', port, servername, ca: ca.certPem, checkServerIdentity: () => undefined });
          let body = '';
          c.on('data', (d: Buffer) => (body += d.toString()));
          c.on('end', () => resolve(body));
          c.on('error', reject);
        });
      assert.equal(await talk('api.example.com'), 'exact says hi');
      assert.equal(await talk('www.example.com'), 'wild says hi');
      assert.deepEqual(seen, ['exact:api.example.com', 'wild:www.example.com']);
      assert.equal(connector.calls[0].ctx.downstream?.serverName, 'api.example.com');
    } finally {
      await p.stop();
    }
  });
});

describe('original destination hand-off', () => {
  it('dispatches to the exact ip:port listener, then 0.0.0.0:port, else the virtual listener', async () => {
    const ports = new Map<string, number>();
    for (const c of ['passthrough', 'exact-9090', 'wild-9090', 'wild-9080']) ports.set(c, await echo());
    const unbound = (name: string, address: string, port: number, cluster: string): ListenerConfig => ({ ...tcpListener(name, port, cluster, { address: { address, port } }), bindToPort: false });
    const listeners = [
      { ...tcpListener('virtualOutbound', 15001, 'passthrough'), useOriginalDst: true },
      unbound('198.18.0.7_9090', '198.18.0.7', 9090, 'exact-9090'),
      unbound('0.0.0.0_9090', '0.0.0.0', 9090, 'wild-9090'),
      unbound('0.0.0.0_9080', '0.0.0.0', 9080, 'wild-9080'),
    ];
    // The test plays SO_ORIGINAL_DST: connections are made one at a time, each after queueing where it "meant" to go.
    const intended: ({ address: string; port: number } | undefined)[] = [];
    const connector = new MapConnector(ports);
    const p = proxy(listeners, connector, { originalDestination: () => intended.shift() });
    await p.start();
    try {
      const port = portOf(p, 'virtualOutbound');
      const via = async (dest: { address: string; port: number } | undefined): Promise<{ reply: string; cluster?: string; listener?: string; dest?: unknown }> => {
        intended.push(dest);
        const reply = (await roundTrip(port, 'ping')).toString();
        const call = connector.calls.at(-1);
        return { reply, cluster: call?.cluster, listener: call?.ctx.downstream?.listenerName, dest: call?.ctx.originalDestination };
      };
      assert.deepEqual(await via({ address: '198.18.0.7', port: 9090 }), { reply: 'ping', cluster: 'exact-9090', listener: '198.18.0.7_9090', dest: { address: '198.18.0.7', port: 9090 } });
      assert.deepEqual(await via({ address: '198.18.0.8', port: 9090 }), { reply: 'ping', cluster: 'wild-9090', listener: '0.0.0.0_9090', dest: { address: '198.18.0.8', port: 9090 } });
      assert.deepEqual(await via({ address: '198.18.0.8', port: 9080 }), { reply: 'ping', cluster: 'wild-9080', listener: '0.0.0.0_9080', dest: { address: '198.18.0.8', port: 9080 } });
      assert.deepEqual(await via({ address: '203.0.113.9', port: 443 }), { reply: 'ping', cluster: 'passthrough', listener: 'virtualOutbound', dest: { address: '203.0.113.9', port: 443 } });
      // Not captured at all: the virtual listener's own chains.
      assert.equal((await via(undefined)).cluster, 'passthrough');
    } finally {
      await p.stop();
    }
  });
});
