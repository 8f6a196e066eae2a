// Proxyless gRPC with mesh mTLS: the agent fetches certificates from a real `plexus controller`
// into output dirs; a grpc-js server serves TLS from its files and requires client
// certificates; a DestinationRule with ISTIO_MUTUAL makes the controller send the
// @grpc/grpc-js-xds client an UpstreamTlsContext naming the bootstrap's file_watcher
// provider, and the client's calls complete over mTLS. A client certificate of another root fails.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { CertificateAgent } from '../src/agent/certificate-agent.js';
import { writeCertificateFiles } from '../src/agent/certificate-files.js';
import { createKeyAndCsr } from '../src/agent/workload-key.js';
import { CertificateAuthority } from '../src/ca/certificate-authority.js';
import { silent, tempDir } from './ca-support.js';
import { mintToken, SecureXdsClientProcess, startIdentityController } from './identity-support.js';
import { ECHO_SERVICE, type EchoReply, type EchoRequest } from './support/echo-service.js';
import { plexus, type ControllerProcess } from './support/controller-process.js';
import type { CallResult } from './support/xds-client-protocol.js';
import { waitFor } from './support/wait-for.js';

const TARGET = 'xds:///greeter.default.svc.cluster.local:7070';
const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/greeter-client';

/** A grpc-js server with TLS from an agent's output dir that requires a client certificate, recording who called. */
async function startMtlsEchoServer(certDir: string): Promise<{ port: number; peers: string[]; close: () => Promise<void> }> {
  const server = new Server();
  const peers: string[] = [];
  server.addService(ECHO_SERVICE, {
    Who: (call: ServerUnaryCall<EchoRequest, EchoReply>, cb: sendUnaryData<EchoReply>) => {
      const san = call.getAuthContext()?.sslPeerCertificate?.subjectaltname;
      if (!san) return cb({ code: status.UNAUTHENTICATED, details: 'no client certificate' });
      peers.push(san);
      cb(null, { server: 'greeter-mtls' });
    },
  });
  const read = (f: string): Buffer => readFileSync(join(certDir, f));
  const creds = ServerCredentials.createSsl(read('root-cert.pem'), [{ cert_chain: read('cert-chain.pem'), private_key: read('key.pem') }], true);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))));
  return { port, peers, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

function bootstrap(xdsPort: number, certDir: string): unknown {
  return {
    xds_servers: [{ server_uri: `127.0.0.1:${xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: {
      id: 'sidecar~127.0.0.1~greeter-client.default~default.svc.cluster.local',
      metadata: { GENERATOR: 'grpc', NAMESPACE: 'default', SERVICE_ACCOUNT: 'greeter-client' },
      locality: {},
    },
    certificate_providers: {
      default: { plugin_name: 'file_watcher', config: { certificate_file: join(certDir, 'cert-chain.pem'), private_key_file: join(certDir, 'key.pem'), ca_certificate_file: join(certDir, 'root-cert.pem'), refresh_interval: '1s' } },
    },
  };
}

const ok = (rs: CallResult[]): number => rs.filter((r) => 'server' in r && r.server === 'greeter-mtls').length;

describe('proxyless gRPC mTLS with certificates from the mesh CA', { timeout: 120_000 }, () => {
  const tmp = tempDir('identity-grpc-mtls');
  const home = join(tmp.dir, 'home');
  let c: ControllerProcess;
  let echo: Awaited<ReturnType<typeof startMtlsEchoServer>>;
  const agents: CertificateAgent[] = [];
  const clients: SecureXdsClientProcess[] = [];

  before(async () => {
    c = await startIdentityController(home);
    const agent = async (ns: string, sa: string, dir: string): Promise<void> => {
      const a = new CertificateAgent({ ca: { address: `127.0.0.1:${c.ports.xds}` }, token: await mintToken(home, ns, sa), outputDir: dir, logger: silent });
      agents.push(a);
      await a.start();
    };
    mkdirSync(join(tmp.dir, 'server-certs'));
    mkdirSync(join(tmp.dir, 'client-certs'));
    await agent('default', 'greeter', join(tmp.dir, 'server-certs'));
    await agent('default', 'greeter-client', join(tmp.dir, 'client-certs'));
    echo = await startMtlsEchoServer(join(tmp.dir, 'server-certs'));
    writeFileSync(join(tmp.dir, 'greeter.yaml'), `apiVersion: v1
kind: Service
metadata: {name: greeter, namespace: default}
spec:
  selector: {app: greeter}
  ports: [{name: grpc, port: 7070, targetPort: 7070}]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: greeter-1, namespace: default}
spec:
  address: 127.0.0.1
  labels: {app: greeter}
  serviceAccount: greeter
  ports: {grpc: ${echo.port}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: greeter, namespace: default}
spec:
  host: greeter
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
`);
    const applied = await plexus(['apply', '--home', home, '-f', join(tmp.dir, 'greeter.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
  });

  after(async () => {
    for (const cl of clients) await cl.close();
    for (const a of agents) a.stop();
    await echo?.close();
    await c?.stop();
    tmp.cleanup();
  });

  it('completes calls over mTLS; the server sees the client workload identity', async (t) => {
    const client = new SecureXdsClientProcess(TARGET, bootstrap(c.ports.xds!, join(tmp.dir, 'client-certs')));
    clients.push(client);
    const first = await waitFor(async () => ok(await client.calls(1)) === 1, 20_000, 'a first call over mTLS');
    const rs = await client.calls(200);
    assert.equal(ok(rs), 200, `every call succeeds: ${JSON.stringify(rs.find((r) => 'code' in r))}`);
    assert.ok(echo.peers.length >= 201);
    assert.ok(echo.peers.every((p) => p === `URI:${CLIENT_ID}`), `peers: ${[...new Set(echo.peers)].join(' | ')}`);
    t.diagnostic(`first mTLS call after ${first} ms; 200/200 calls ok; server saw ${[...new Set(echo.peers)].join(', ')}`);

    // What the controller sent: CDS with the certificate provider and the server's SPIFFE id.
    const cluster = await plexus(['proxy-config', 'cluster', 'greeter-client.default', '--home', home, '-o', 'json']);
    assert.equal(cluster.code, 0, cluster.stderr);
    const clusters = JSON.parse(cluster.stdout) as { name: string; transport_socket?: { typed_config?: { common_tls_context?: Record<string, unknown> } } }[];
    const tls = clusters.find((x) => x.name === 'outbound|7070||greeter.default.svc.cluster.local')?.transport_socket?.typed_config?.common_tls_context;
    assert.deepEqual(tls?.tls_certificate_provider_instance, { instance_name: 'default', certificate_name: 'default' });
    assert.deepEqual(tls?.combined_validation_context, {
      default_validation_context: { ca_certificate_provider_instance: { instance_name: 'default', certificate_name: 'ROOTCA' }, match_subject_alt_names: [{ exact: 'spiffe://cluster.local/ns/default/sa/greeter' }] },
    });
  });

  it('fails the handshake with a client certificate from another root', async (t) => {
    // Same identity and the mesh root to verify the server, but a certificate another CA signed.
    const stranger = await CertificateAuthority.open({ logger: silent });
    const { keyPem, csrPem } = await createKeyAndCsr('ec-p256');
    const chain = await stranger.sign(csrPem, { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'greeter-client' }, 3600);
    const dir = join(tmp.dir, 'stranger-certs');
    mkdirSync(dir);
    writeCertificateFiles(dir, { certChainPem: chain[0]!, keyPem, rootsPem: readFileSync(join(tmp.dir, 'client-certs', 'root-cert.pem'), 'utf8') });
    const before = echo.peers.length;
    const client = new SecureXdsClientProcess(TARGET, bootstrap(c.ports.xds!, dir));
    clients.push(client);
    const rs = await client.calls(20);
    assert.equal(ok(rs), 0, 'no call gets through');
    const codes = [...new Set(rs.map((r) => ('code' in r ? r.code : 0)))];
    assert.deepEqual(codes, [14], `UNAVAILABLE: ${JSON.stringify(rs[0])}`);
    assert.equal(echo.peers.length, before, 'the server never saw a call');
    t.diagnostic(`foreign client certificate: 20/20 calls failed with ${codes.join(',')} (${'details' in rs[0]! ? rs[0].details : ''})`);
  });

  it('`proxy-config secret --cert-dir` shows the agent files; from the controller it shows ROOTCA', async () => {
    const files = await plexus(['proxy-config', 'secret', '--cert-dir', join(tmp.dir, 'client-certs')]);
    assert.equal(files.code, 0, files.stderr);
    const lines = files.stdout.split('\n');
    assert.match(lines[0]!, /^RESOURCE NAME\s+TYPE\s+STATUS\s+VALID CERT\s+SERIAL NUMBER\s+NOT AFTER\s+NOT BEFORE$/);
    assert.match(lines[1]!, /^default\s+Cert Chain\s+ACTIVE\s+true\s+[0-9a-f]+\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+\d{4}-/);
    assert.match(lines[2]!, /^ROOTCA\s+CA\s+ACTIVE\s+true\s+[0-9a-f]+\s+/);
    assert.match(files.stdout, /ROOTCA SHA-256 fingerprint [0-9a-f]+: ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    const live = await plexus(['proxy-config', 'secret', 'greeter-client.default', '--home', home]);
    assert.equal(live.code, 0, live.stderr);
    assert.match(live.stdout, /^ROOTCA\s+CA\s+ACTIVE\s+true/m);
    assert.doesNotMatch(live.stdout, /^default/m);
  });
});
