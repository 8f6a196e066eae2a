// Helpers for the listener/TLS/tcp_proxy tests: certificates made in the test, a snapshot
// builder, loopback echo servers, and a connector that stands in for the upstream manager.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import * as x509 from '@peculiar/x509';
import { pino } from 'pino';
import type { ListenerConfig, ProxySnapshot, SecretConfig } from '../src/proxy/config/model.js';
import type { TcpConnectContext, TcpUpstreamConnector } from '../src/proxy/tcp/tcp-proxy.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const subtle = webcrypto.subtle as unknown as SubtleCrypto;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A quiet logger for tests (set PLEXUS_TEST_LOG=debug to see it). */
export const testLogger = pino({ level: process.env.PLEXUS_TEST_LOG ?? 'silent' });

export interface TestCa {
  certPem: string;
  keys: CryptoKeyPair;
  cert: x509.X509Certificate;
}

export interface TestLeaf {
  certPem: string;
  keyPem: string;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
}

/** A self-signed CA. */
export async function makeCa(name: string): Promise<TestCa> {
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    serialNumber: '01',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return { certPem: `${cert.toString('pem')}\n`, keys, cert };
}

let serial = 2;

/** A leaf signed by `ca` with a SPIFFE URI SAN and DNS `localhost`. */
export async function makeLeaf(ca: TestCa, spiffeId: string): Promise<TestLeaf> {
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=workload',
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }, { type: 'dns', value: 'localhost' }]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    ],
  });
  return { certPem: `${cert.toString('pem')}\n`, keyPem: await keyPem(keys.privateKey) };
}

/** A snapshot with the given listeners and secrets. */
export function snapshotOf(listeners: ListenerConfig[], secrets: SecretConfig[] = []): ProxySnapshot {
  return {
    listeners: new Map(listeners.map((l) => [l.name, l])),
    routes: new Map(),
    clusters: new Map(),
    endpoints: new Map(),
    secrets: new Map(secrets.map((s) => [s.name, s])),
    versions: {},
  };
}

/** A plaintext listener with one tcp_proxy chain to `cluster`. */
export function tcpListener(name: string, port: number, cluster: string, extra: Partial<ListenerConfig> = {}): ListenerConfig {
  return {
    name,
    address: { address: '0.0.0.0', port },
    useOriginalDst: false,
    bindToPort: true,
    tlsInspector: false,
    httpInspector: false,
    filterChains: [{ name: `${name}-chain`, match: {}, filters: [{ kind: 'tcp_proxy', statPrefix: cluster, clusters: [{ name: cluster, weight: 1 }] }] }],
    ...extra,
  };
}

/** Listens on 127.0.0.1:0 with allowHalfOpen; resolves the server and its port. */
export async function listenLoopback(onConnection: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true }, onConnection);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** An echo server that prefixes nothing and echoes until the client half-closes, then ends. */
export function echoServer(): Promise<{ server: Server; port: number }> {
  return listenLoopback((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
}

/** Stands in for the UpstreamManager: cluster name → loopback port. */
export class MapConnector implements TcpUpstreamConnector {
  readonly calls: { cluster: string; ctx: TcpConnectContext }[] = [];
  constructor(readonly ports: Map<string, number>) {}
  connect(cluster: string, ctx: TcpConnectContext): Promise<Duplex> {
    this.calls.push({ cluster, ctx });
    const port = this.ports.get(cluster);
    if (port === undefined) return Promise.reject(new Error(`no cluster ${cluster}`));
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
  }
}

/** Connects to 127.0.0.1:port with allowHalfOpen. */
export function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Reads everything until the peer's FIN (or close). */
export function readAll(s: Duplex, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const t = setTimeout(() => reject(new Error('readAll timed out')), timeoutMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks));
    });
    s.once('close', () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks));
    });
    s.once('error', () => undefined);
  });
}

/** Resolves 'closed' when the peer closes (FIN or reset; our half-open side may stay up), else 'timeout'. */
export function closed(s: Duplex, timeoutMs = 5000): Promise<'closed' | 'timeout'> {
  return new Promise((resolve) => {
    if (s.destroyed || s.readableEnded) return resolve('closed');
    const t = setTimeout(() => resolve('timeout'), timeoutMs);
    const done = (): void => {
      clearTimeout(t);
      s.destroy();
      resolve('closed');
    };
    s.once('close', done);
    s.once('end', done);
    s.on('error', () => undefined);
    s.resume();
  });
}
