import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { describe, it } from 'node:test';
import type { FilterChain, FilterChainMatch } from '../src/proxy/config/model.js';
import { parseClientHello } from '../src/proxy/listener/client-hello.js';
import { selectFilterChain, type ConnectionFacts } from '../src/proxy/listener/filter-chain-match.js';
import { detectHttp } from '../src/proxy/listener/http-preface.js';
import { cidrContains, parseIp } from '../src/proxy/listener/ip-address.js';
import { serverNameSpecificity } from '../src/proxy/listener/server-name.js';
import { pickWeightedCluster } from '../src/proxy/tcp/weighted-cluster.js';
import { spiffeIdOf, subjectAltNameEntries } from '../src/proxy/tls/peer-identity.js';

const chain = (name: string, match: FilterChainMatch): FilterChain => ({ name, match, filters: [] });
const facts = (f: Partial<ConnectionFacts>): ConnectionFacts => ({
  destinationAddress: '198.18.0.5',
  destinationPort: 8080,
  sourceAddress: '198.18.0.9',
  transportProtocol: 'raw_buffer',
  applicationProtocols: [],
  ...f,
});
const pick = (chains: FilterChain[], f: Partial<ConnectionFacts>, def?: FilterChain): string | undefined =>
  selectFilterChain({ filterChains: chains, ...(def ? { defaultFilterChain: def } : {}) }, facts(f))?.name;

describe('filter chain match (Envoy order, most specific wins)', () => {
  const chains = [
    chain('any', {}),
    chain('port-8080', { destinationPort: 8080 }),
    chain('port-8080-tls', { destinationPort: 8080, transportProtocol: 'tls' }),
    chain('port-9090-prefix', { destinationPort: 9090, prefixRanges: [{ addressPrefix: '198.18.0.0', prefixLen: 16 }] }),
    chain('port-9090-narrow', { destinationPort: 9090, prefixRanges: [{ addressPrefix: '198.18.7.0', prefixLen: 24 }] }),
    chain('sni-exact', { destinationPort: 443, serverNames: ['api.example.com'] }),
    chain('sni-wild', { destinationPort: 443, serverNames: ['*.example.com'] }),
    chain('sni-wild-deep', { destinationPort: 443, serverNames: ['*.eu.example.com'] }),
    chain('sni-none', { destinationPort: 443 }),
    chain('alpn-h2c', { destinationPort: 15006, applicationProtocols: ['h2c'] }),
    chain('alpn-http', { destinationPort: 15006, applicationProtocols: ['http/1.1', 'http/1.0'] }),
    chain('raw-15006', { destinationPort: 15006 }),
    chain('src-narrow', { destinationPort: 7000, sourcePrefixRanges: [{ addressPrefix: '198.18.0.9', prefixLen: 32 }] }),
    chain('src-any', { destinationPort: 7000 }),
  ];
  const table: [string, Partial<ConnectionFacts>, string | undefined][] = [
    ['unknown port falls to the chain without a port', { destinationPort: 1234 }, 'any'],
    ['exact port beats portless', { destinationPort: 8080 }, 'port-8080'],
    ['transport protocol narrows within the port', { destinationPort: 8080, transportProtocol: 'tls' }, 'port-8080-tls'],
    ['longest destination prefix wins', { destinationPort: 9090, destinationAddress: '198.18.7.4' }, 'port-9090-narrow'],
    ['shorter prefix when the long one misses', { destinationPort: 9090, destinationAddress: '198.18.9.4' }, 'port-9090-prefix'],
    ['no backtracking: port chosen but no prefix matches', { destinationPort: 9090, destinationAddress: '203.0.113.1' }, undefined],
    ['exact SNI beats wildcard', { destinationPort: 443, serverName: 'api.example.com' }, 'sni-exact'],
    ['longest wildcard suffix wins', { destinationPort: 443, serverName: 'x.eu.example.com' }, 'sni-wild-deep'],
    ['wildcard matches one level', { destinationPort: 443, serverName: 'web.example.com' }, 'sni-wild'],
    ['wildcard does not match the bare domain', { destinationPort: 443, serverName: 'example.com' }, 'sni-none'],
    ['no SNI goes to the chain without server names', { destinationPort: 443 }, 'sni-none'],
    ['SNI is case-insensitive', { destinationPort: 443, serverName: 'API.Example.com' }, 'sni-exact'],
    ['h2c detected', { destinationPort: 15006, applicationProtocols: ['h2c'] }, 'alpn-h2c'],
    ['http/1.1 detected', { destinationPort: 15006, applicationProtocols: ['http/1.1'] }, 'alpn-http'],
    ['no protocol falls to the plain chain', { destinationPort: 15006 }, 'raw-15006'],
    ['source prefix most specific', { destinationPort: 7000 }, 'src-narrow'],
    ['source prefix miss falls to portless source', { destinationPort: 7000, sourceAddress: '198.18.0.10' }, 'src-any'],
    ['IPv4-mapped source matches IPv4 range', { destinationPort: 7000, sourceAddress: '::ffff:198.18.0.9' }, 'src-narrow'],
  ];
  for (const [what, f, want] of table) {
    it(what, () => assert.equal(pick(chains, f), want));
  }

  it('falls back to the default chain, or nothing', () => {
    const only = [chain('tls-only', { transportProtocol: 'tls' })];
    assert.equal(pick(only, { transportProtocol: 'raw_buffer' }, chain('default', {})), 'default');
    assert.equal(pick(only, { transportProtocol: 'raw_buffer' }), undefined);
  });

  it('scores a /0 range above no range', () => {
    const cs = [chain('none', {}), chain('zero', { prefixRanges: [{ addressPrefix: '0.0.0.0', prefixLen: 0 }] })];
    assert.equal(pick(cs, {}), 'zero');
    assert.equal(pick(cs, { destinationAddress: '2001:db8::1' }), 'none');
  });
});

describe('matching helpers', () => {
  it('server names', () => {
    assert.ok(serverNameSpecificity('a.b.com', 'a.b.com') > serverNameSpecificity('*.b.com', 'a.b.com'));
    assert.ok(serverNameSpecificity('*.b.com', 'a.b.com') > serverNameSpecificity('*.com', 'a.b.com'));
    assert.equal(serverNameSpecificity('*.b.com', 'b.com'), -1);
  });

  it('CIDR ranges, IPv4 and IPv6', () => {
    assert.ok(cidrContains({ addressPrefix: '10.0.0.0', prefixLen: 8 }, parseIp('10.200.3.4')!));
    assert.ok(!cidrContains({ addressPrefix: '10.0.0.0', prefixLen: 8 }, parseIp('11.0.0.1')!));
    assert.ok(cidrContains({ addressPrefix: '2001:db8::', prefixLen: 32 }, parseIp('2001:db8:1::7')!));
    assert.ok(!cidrContains({ addressPrefix: '2001:db8::', prefixLen: 32 }, parseIp('10.0.0.1')!));
    assert.equal(parseIp('::ffff:1.2.3.4')?.bits, 32);
    assert.equal(parseIp('::1')?.value, 1n);
    assert.equal(parseIp('not-an-ip'), undefined);
  });

  it('weighted clusters follow their weights', () => {
    const clusters = [{ name: 'a', weight: 1 }, { name: 'b', weight: 3 }];
    assert.equal(pickWeightedCluster(clusters, () => 0.1)?.name, 'a');
    assert.equal(pickWeightedCluster(clusters, () => 0.3)?.name, 'b');
    assert.equal(pickWeightedCluster(clusters, () => 0.99)?.name, 'b');
    assert.equal(pickWeightedCluster([{ name: 'x', weight: 0 }], () => 0.5)?.name, 'x');
  });

  it('SAN parsing and SPIFFE id', () => {
    const san = 'DNS:localhost, URI:spiffe://cluster.local/ns/default/sa/web, IP Address:127.0.0.1';
    assert.deepEqual(subjectAltNameEntries(san).map((e) => e.type), ['DNS', 'URI', 'IP Address']);
    assert.equal(spiffeIdOf({ subjectaltname: san }), 'spiffe://cluster.local/ns/default/sa/web');
    assert.equal(spiffeIdOf({ subjectaltname: 'DNS:x' }), undefined);
  });
});

/** Captures the real ClientHello Node sends. */
async function captureClientHello(opts: { servername?: string; ALPNProtocols?: string[] }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => {
      s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const c = tlsConnect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false, ...opts });
      c.on('error', () => undefined);
      c.on('close', () => undefined);
    });
    setTimeout(() => reject(new Error('no ClientHello')), 3000).unref();
  });
}

describe('tls inspector (ClientHello parsing)', () => {
  it('reads SNI and ALPN from a real ClientHello, and needs more on a prefix', async () => {
    const hello = await captureClientHello({ servername: 'Reviews.Default.svc', ALPNProtocols: ['h2', 'http/1.1'] });
    assert.deepEqual(parseClientHello(hello), { kind: 'tls', serverName: 'reviews.default.svc', alpn: ['h2', 'http/1.1'] });
    assert.deepEqual(parseClientHello(hello.subarray(0, 3)), { kind: 'need-more' });
    assert.deepEqual(parseClientHello(hello.subarray(0, 40)), { kind: 'need-more' });
  });

  it('a ClientHello without SNI or ALPN', async () => {
    const hello = await captureClientHello({});
    assert.deepEqual(parseClientHello(hello), { kind: 'tls', alpn: [] });
  });

  it('garbage is not TLS and never throws', () => {
    assert.deepEqual(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n')), { kind: 'not-tls' });
    assert.deepEqual(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x02, 0, 0, 1, 0])), { kind: 'not-tls' });
    const bogus = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0x00, 0x00, 0x04, 0xff, 0xff, 0xff, 0xff]);
    assert.deepEqual(parseClientHello(bogus), { kind: 'not-tls' });
    for (let i = 0; i < 200; i++) parseClientHello(Buffer.from(Array.from({ length: 64 }, (_, j) => (j === 0 ? 0x16 : j === 1 ? 3 : (i * 31 + j * 17) & 0xff))));
  });
});

describe('http inspector', () => {
  it('detects HTTP/1.x, h2c and rejects others early', () => {
    assert.deepEqual(detectHttp(Buffer.from('GET /x HTTP/1.1\r\nHost: a\r\n')), { kind: 'http', protocol: 'http/1.1' });
    assert.deepEqual(detectHttp(Buffer.from('POST / HTTP/1.0\r\n')), { kind: 'http', protocol: 'http/1.0' });
    assert.deepEqual(detectHttp(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')), { kind: 'http', protocol: 'h2c' });
    assert.deepEqual(detectHttp(Buffer.from('PRI * HT')), { kind: 'need-more' });
    assert.deepEqual(detectHttp(Buffer.from('GET /long')), { kind: 'need-more' });
    assert.deepEqual(detectHttp(Buffer.from([0x16, 0x03, 0x01])), { kind: 'not-http' });
    assert.deepEqual(detectHttp(Buffer.from('SSH-2.0-OpenSSH\r\n')), { kind: 'not-http' });
    // Only methods the HTTP/1 parser knows: a client-first protocol fails at once, not at the timeout.
    assert.deepEqual(detectHttp(Buffer.from('ping')), { kind: 'not-http' });
    assert.deepEqual(detectHttp(Buffer.from('HELLO world')), { kind: 'not-http' });
    assert.deepEqual(detectHttp(Buffer.from('get / HTTP/1.1\r\n')), { kind: 'not-http' });
    assert.deepEqual(detectHttp(Buffer.from('PROPF')), { kind: 'need-more' });
    assert.deepEqual(detectHttp(Buffer.from('PURGE /x HTTP/1.1\r\n')), { kind: 'http', protocol: 'http/1.1' });
  });
});
