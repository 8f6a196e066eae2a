// The DNS proxy on loopback (no namespaces needed): local answers, relaying over UDP and
// TCP to a test upstream, NODATA for a mesh name without AAAA, SERVFAIL when upstreams fail.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { aRecord, decodeDnsMessage, DnsRcode, dnsQuery, dnsResponse, DnsType, encodeDnsMessage, readARecord, readNameRecord, type DnsMessage } from './dns-message.js';
import { DnsNameTable } from './dns-name-table.js';
import { DnsProxy } from './dns-proxy.js';

function upstreamAnswer(raw: Buffer): Buffer {
  const q = decodeDnsMessage(raw);
  const name = q.questions[0]?.name;
  return encodeDnsMessage(name === 'outside.test'
    ? dnsResponse(q, DnsRcode.NOERROR, [aRecord(name, '198.18.250.1', 60)])
    : dnsResponse(q, DnsRcode.NXDOMAIN));
}

async function udpQuery(port: number, name: string, type: number = DnsType.A): Promise<DnsMessage> {
  const socket = createSocket('udp4');
  socket.send(encodeDnsMessage(dnsQuery(99, name, type)), port, '127.0.0.1');
  const [msg] = (await once(socket, 'message')) as [Buffer];
  socket.close();
  return decodeDnsMessage(msg);
}

async function tcpQuery(port: number, name: string): Promise<DnsMessage> {
  const socket = connect({ host: '127.0.0.1', port });
  const q = encodeDnsMessage(dnsQuery(100, name, DnsType.A));
  const len = Buffer.alloc(2);
  len.writeUInt16BE(q.length);
  socket.write(Buffer.concat([len, q]));
  let buf = Buffer.alloc(0);
  for await (const chunk of socket) {
    buf = Buffer.concat([buf, chunk as Buffer]);
    if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) break;
  }
  socket.destroy();
  return decodeDnsMessage(buf.subarray(2, 2 + buf.readUInt16BE(0)));
}

describe('DNS proxy on loopback', { timeout: 20_000 }, () => {
  const upstreamUdp = createSocket('udp4');
  const upstreamTcp = createServer((s) => s.once('data', (d: Buffer) => {
    const reply = upstreamAnswer(d.subarray(2));
    const len = Buffer.alloc(2);
    len.writeUInt16BE(reply.length);
    s.end(Buffer.concat([len, reply]));
  }));
  let proxy: DnsProxy;
  let port = 0;
  let broken: DnsProxy;
  let brokenPort = 0;

  before(async () => {
    upstreamUdp.on('message', (m, r) => upstreamUdp.send(upstreamAnswer(m), r.port, r.address));
    upstreamUdp.bind(0, '127.0.0.1');
    await once(upstreamUdp, 'listening');
    // TCP on the same port number as UDP, as a real resolver does.
    upstreamTcp.listen(upstreamUdp.address().port, '127.0.0.1');
    await once(upstreamTcp, 'listening');
    const table = new DnsNameTable({ proxyNamespace: 'default', searchDomains: ['default.svc.cluster.local'] });
    table.update([{ hostname: 'reviews.default.svc.cluster.local', addresses: ['198.19.0.5'] }]);
    proxy = new DnsProxy({ table, port: 0, upstreams: [{ address: '127.0.0.1', port: upstreamUdp.address().port }] });
    port = (await proxy.start()).port;
    // An upstream nobody listens on: the first free port we can find and release.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const dead = (probe.address() as AddressInfo).port;
    probe.close();
    broken = new DnsProxy({ table, port: 0, upstreams: [{ address: '127.0.0.1', port: dead }], upstreamTimeoutMs: 300 });
    brokenPort = (await broken.start()).port;
  });
  after(async () => {
    await proxy.stop();
    await broken.stop();
    upstreamUdp.close();
    upstreamTcp.close();
  });

  it('answers mesh names itself, authoritatively', async () => {
    const msg = await udpQuery(port, 'reviews');
    assert.equal(msg.flags.aa, true);
    assert.deepEqual(msg.answers.map(readARecord), ['198.19.0.5']);
    const expanded = await udpQuery(port, 'reviews.default.default.svc.cluster.local');
    assert.equal(readNameRecord(expanded.answers[0]!), 'reviews.default');
    assert.equal(readARecord(expanded.answers[1]!), '198.19.0.5');
    assert.equal(expanded.answers[1]!.name, 'reviews.default');
    const aaaa = await udpQuery(port, 'reviews', DnsType.AAAA);
    assert.equal(aaaa.flags.rcode, DnsRcode.NOERROR);
    assert.deepEqual(aaaa.answers, []);
    assert.deepEqual(readARecord((await tcpQuery(port, 'reviews.default.svc.cluster.local')).answers[0]!), '198.19.0.5');
  });

  it('relays other names over the transport they came on; NXDOMAIN comes from upstream', async () => {
    assert.deepEqual((await udpQuery(port, 'outside.test')).answers.map(readARecord), ['198.18.250.1']);
    assert.equal((await udpQuery(port, 'missing.test')).flags.rcode, DnsRcode.NXDOMAIN);
    assert.deepEqual((await tcpQuery(port, 'outside.test')).answers.map(readARecord), ['198.18.250.1']);
    assert.equal(proxy.stats.forwarded, 3);
  });

  it('answers SERVFAIL when no upstream answers', async () => {
    const msg = await udpQuery(brokenPort, 'outside.test');
    assert.equal(msg.flags.rcode, DnsRcode.SERVFAIL);
    assert.equal(msg.id, 99);
    assert.equal(broken.stats.upstreamFailures, 1);
  });
});
