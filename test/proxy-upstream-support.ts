// Shared pieces of the upstream tests: config builders, a snapshot holder helper, loopback
// HTTP/1.1 and HTTP/2 servers that count connections, and test certificates made with @peculiar/x509.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createH2Server, type Http2Server, type IncomingHttpHeaders as H2Headers, type ServerHttp2Session, type ServerHttp2Stream, type Settings } from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import { pino } from 'pino';
import type { ClusterConfig, ClusterLoadAssignment, Endpoint, LocalityEndpoints, ProxySnapshot, SecretConfig } from '../src/proxy/config/model.js';
import { SnapshotHolder } from '../src/proxy/config/snapshot-holder.js';
import { UpstreamManager } from '../src/proxy/upstream/upstream-manager.js';
import { UpstreamHost } from '../src/proxy/upstream/upstream-host.js';

export const silent = pino({ level: 'silent' });

/** A cluster config with Envoy-like defaults; override what the test cares about. */
export function cluster(name: string, over: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    name,
    type: 'STATIC',
    lbPolicy: 'ROUND_ROBIN',
    connectTimeoutMs: 1000,
    circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
    tlsMatches: [],
    http2: false,
    useDownstreamProtocol: false,
    ...over,
  };
}

/** A STATIC cluster of 127.0.0.1 endpoints at `ports`. */
export function staticCluster(name: string, ports: number[], over: Partial<ClusterConfig> = {}): ClusterConfig {
  return cluster(name, { loadAssignment: assignment(name, [locality(ports.map((p) => endpoint('127.0.0.1', p)))]), ...over });
}

export function endpoint(address: string, port: number, over: Partial<Endpoint> = {}): Endpoint {
  return { address: { address, port }, weight: 1, health: 'HEALTHY', metadata: {}, ...over };
}

export function locality(endpoints: Endpoint[], over: Partial<LocalityEndpoints> = {}): LocalityEndpoints {
  return { locality: { region: 'r1', zone: 'z1' }, priority: 0, weight: 1, endpoints, ...over };
}

export function assignment(clusterName: string, localities: LocalityEndpoints[]): ClusterLoadAssignment {
  return { clusterName, localities, overprovisioningFactor: 140 };
}

export function snapshot(clusters: ClusterConfig[], opts: { endpoints?: ClusterLoadAssignment[]; secrets?: SecretConfig[] } = {}): ProxySnapshot {
  return {
    listeners: new Map(),
    routes: new Map(),
    clusters: new Map(clusters.map((c) => [c.name, c])),
    endpoints: new Map((opts.endpoints ?? []).map((e) => [e.clusterName, e])),
    secrets: new Map((opts.secrets ?? []).map((s) => [s.name, s])),
    versions: {},
  };
}

/** A manager over a holder that already serves `snap`. */
export function managerFor(snap: ProxySnapshot): { holder: SnapshotHolder; manager: UpstreamManager } {
  const holder = new SnapshotHolder();
  holder.replace(snap);
  return { holder, manager: new UpstreamManager(holder, { logger: silent }) };
}

/** Hosts for balancer tests, `weights[i]` each, at 198.18.0.(firstOctet+i):80. */
export function hosts(weights: number[], firstOctet = 1): UpstreamHost[] {
  return weights.map((w, i) => new UpstreamHost(`198.18.0.${i + firstOctet}`, 80, endpoint(`198.18.0.${i + firstOctet}`, 80, { weight: w }), {}, 0));
}

/** Pick `n` times and count per host key. */
export function tally(pick: () => UpstreamHost | undefined, n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const h = pick();
    const k = h?.key ?? 'none';
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

/** An HTTP/1.1 server on 127.0.0.1:0 that counts the connections it accepted. */
export async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number; connections: () => number; close: () => Promise<void> }> {
  const server = createServer(handler);
  let count = 0;
  server.on('connection', () => count++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** One stream an {@link h2Server} saw; `rstCode` is set when it closed (0: NO_ERROR, 8: CANCEL). */
export interface SeenH2Stream {
  readonly path: string;
  readonly session: ServerHttp2Session;
  rstCode: number | undefined;
  /** The request arrived whole (END_STREAM), rather than cut off by a reset. */
  requestEnded: boolean;
}

/** An HTTP/2 (h2c) server on 127.0.0.1:0 that records its sessions and how each stream closed. */
export interface H2TestServer {
  readonly server: Http2Server;
  readonly port: number;
  /** Every session accepted, in order. */
  readonly sessions: ServerHttp2Session[];
  readonly streams: SeenH2Stream[];
  /** Sessions not yet destroyed (one that got GOAWAY counts until its connection is gone). */
  openSessions(): number;
  close(): Promise<void>;
}

export async function h2Server(onStream: (stream: ServerHttp2Stream, headers: H2Headers) => void, settings?: Settings): Promise<H2TestServer> {
  const server = createH2Server(settings === undefined ? {} : { settings });
  const sessions: ServerHttp2Session[] = [];
  const streams: SeenH2Stream[] = [];
  server.on('session', (s) => {
    sessions.push(s);
    s.on('error', () => undefined);
  });
  server.on('stream', (stream, headers) => {
    const seen: SeenH2Stream = { path: String(headers[':path']), session: stream.session as ServerHttp2Session, rstCode: undefined, requestEnded: false };
    streams.push(seen);
    stream.on('error', () => undefined);
    // Node also ends the readable side when a reset closes the stream, but only after 'aborted'.
    stream.once('end', () => (seen.requestEnded = !stream.aborted));
    stream.on('close', () => (seen.rstCode = stream.rstCode));
    onStream(stream, headers);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    sessions,
    streams,
    openSessions: () => sessions.filter((s) => !s.destroyed).length,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Wait until `condition` holds (polling), failing with `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Read a stream to a string. */
export async function text(stream: AsyncIterable<Buffer | string>): Promise<string> {
  let s = '';
  for await (const c of stream) s += c.toString();
  return s;
}

// ---------------------------------------------------------------- certificates

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function pemKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as unknown as webcrypto.CryptoKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A test CA and a way to issue leaf certificates with URI SANs (SPIFFE ids). */
export async function testCa(): Promise<{ caPem: string; issue: (spiffe: string) => Promise<{ cert: string; key: string }> }> {
  const caKeys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'O=plexus-test, CN=root',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3_600_000),
    signingAlgorithm: alg,
    keys: caKeys,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  let serial = 2;
  return {
    caPem: ca.toString('pem'),
    issue: async (spiffe) => {
      const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: (serial++).toString(16).padStart(2, '0'),
        subject: 'O=plexus-test',
        issuer: ca.subject,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 3_600_000),
        signingAlgorithm: alg,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        extensions: [
          new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffe }], true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        ],
      });
      return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
    },
  };
}
