import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer, request, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { makeCa, makeLeaf, secretYaml, type KeyPair } from './support/security-certs.js';
import { createIssuer } from './support/security-jwt.js';
import { appPath, podsSkipReason, SecurityMesh, until, type MeshClient } from './support/security-mesh.js';
import { authzPolicy, docs, serviceYaml } from './support/security-objects.js';

// Secrets by credentialName on the local mesh in pods (Istio's "secure gateways" and "egress
// TLS origination with mutual TLS" tasks, our own hosts): the ingress gateway serves HTTPS with
// the certificate of a Secret (SIMPLE; MUTUAL with ca.crt in the Secret or in NAME-cacert), picks
// up a changed Secret without a restart, and a sidecar originates mutual TLS with a
// DestinationRule's credentialName to an upstream that demands a client certificate.
const HOST = 'httpbin.example.test';
const SIMPLE_PORT = 18443;
const MUTUAL_PORT = 18444;
const SPLIT_PORT = 18445;
const N = 10;

interface TlsOutcome { status: number; error?: string; fingerprint?: string; body?: string }

/** One HTTPS GET to the gateway on a new connection, verifying the server against `ca`. */
function httpsGet(port: number, path: string, ca: string, client?: KeyPair, headers: Record<string, string> = {}): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, servername: HOST, headers: { host: HOST, ...headers }, ca, ...(client ? { cert: client.cert, key: client.key } : {}), agent: false, timeout: 5000 }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, fingerprint, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: e.message }));
    req.end();
  });
}

async function many(n: number, f: () => Promise<TlsOutcome>): Promise<TlsOutcome[]> {
  const out: TlsOutcome[] = [];
  for (let i = 0; i < n; i++) out.push(await f());
  return out;
}

const fingerprintOf = (pem: string): string => new X509Certificate(pem).fingerprint256;

describe('security: Secrets by credentialName (gateway SIMPLE/MUTUAL, rotation, DestinationRule MUTUAL) (pods)', { skip: podsSkipReason() ?? false }, () => {
  let mesh: SecurityMesh;
  let sleep: MeshClient;
  const ca = makeCa('plexus-e2e-ca');
  const otherCa = makeCa('plexus-e2e-other-ca');
  const server = makeLeaf(ca, HOST);
  const rotated = makeLeaf(ca, HOST);
  const client = makeLeaf(ca, 'client.plexus.test');
  const strangerClient = makeLeaf(otherCa, 'stranger.plexus.test');
  let upstream: Server | undefined;
  let upstreamPort = 0;
  /** Handshakes the upstream completed (with a verified client certificate) and refused. */
  const handshakes = { ok: 0, refused: 0 };

  before(async () => {
    mesh = await SecurityMesh.start('pods');
    await mesh.apply(docs(
      serviceYaml('foo', 'httpbin', [{ name: 'http', port: 8000 }]),
      secretYaml('istio-system', 'httpbin-credential', { 'tls.crt': server.cert, 'tls.key': server.key }),
      secretYaml('istio-system', 'httpbin-mutual', { 'tls.crt': server.cert, 'tls.key': server.key, 'ca.crt': ca.cert }),
      secretYaml('istio-system', 'httpbin-split', { 'tls.crt': server.cert, 'tls.key': server.key }),
      secretYaml('istio-system', 'httpbin-split-cacert', { 'ca.crt': ca.cert }),
      `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: httpbin-gateway, namespace: foo}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https-simple, protocol: HTTPS}
    hosts: [${HOST}]
    tls: {mode: SIMPLE, credentialName: httpbin-credential}
  - port: {number: 8443, name: https-mutual, protocol: HTTPS}
    hosts: [${HOST}]
    tls: {mode: MUTUAL, credentialName: httpbin-mutual}
  - port: {number: 9443, name: https-split, protocol: HTTPS}
    hosts: [${HOST}]
    tls: {mode: MUTUAL, credentialName: httpbin-split}`,
      `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: foo}
spec:
  hosts: [${HOST}]
  gateways: [httpbin-gateway]
  http: [{route: [{destination: {host: httpbin.foo.svc.cluster.local, port: {number: 8000}}}]}]`,
    ));
    [, sleep] = await Promise.all([
      mesh.run({ namespace: 'foo', name: 'httpbin', ports: [8000], command: [process.execPath, appPath('httpbin'), '8000'], probe: 'http' }),
      mesh.client('foo', 'sleep'),
      mesh.gateway('ingressgateway', `${SIMPLE_PORT}:443,${MUTUAL_PORT}:8443,${SPLIT_PORT}:9443`),
    ]);
    // The upstream demanding client certificates, on the pod bridge's address (what a pod reaches).
    upstream = createServer({ cert: server.cert, key: server.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.end(JSON.stringify({ clientCn: peer.subject?.CN ?? null }));
    });
    upstream.on('secureConnection', () => { handshakes.ok++; });
    upstream.on('tlsClientError', () => { handshakes.refused++; });
    await new Promise<void>((r) => upstream!.listen(0, '198.18.0.1', r));
    upstreamPort = (upstream.address() as { port: number }).port;
    let last: TlsOutcome | undefined;
    await until('the gateway to serve HTTPS with the Secret', 30_000, async () => (last = await httpsGet(SIMPLE_PORT, '/get', ca.cert)).status === 200)
      .catch((err: Error) => { throw new Error(`${err.message}; last: ${JSON.stringify(last)}`); });
  });

  after(async () => {
    await mesh?.down();
    await new Promise((r) => upstream ? upstream.close(r) : r(undefined));
  });

  it('SIMPLE: 10 HTTPS requests, 10 × 200 with the Secret\'s certificate', async () => {
    const results = await many(N, () => httpsGet(SIMPLE_PORT, '/get', ca.cert));
    assert.deepEqual(results.map((r) => `${r.status} ${r.fingerprint}`), Array(N).fill(`200 ${fingerprintOf(server.cert)}`));
  });

  it('MUTUAL (ca.crt in the Secret): with a client certificate 10 × 200', async () => {
    assert.deepEqual((await many(N, () => httpsGet(MUTUAL_PORT, '/get', ca.cert, client))).map((r) => r.status), Array(N).fill(200));
  });

  it('MUTUAL: without a client certificate 10 × refused in the handshake', async () => {
    const results = await many(N, () => httpsGet(MUTUAL_PORT, '/get', ca.cert));
    assert.deepEqual(results.map((r) => r.status), Array(N).fill(0), JSON.stringify(results[0]));
  });

  it('MUTUAL: a client certificate of another CA 10 × refused', async () => {
    const results = await many(N, () => httpsGet(MUTUAL_PORT, '/get', ca.cert, strangerClient));
    assert.deepEqual(results.map((r) => r.status), Array(N).fill(0), JSON.stringify(results[0]));
  });

  it('MUTUAL with the CA in NAME-cacert (Istio\'s split convention): with a certificate 10 × 200, without 10 × refused', async () => {
    assert.deepEqual((await many(N, () => httpsGet(SPLIT_PORT, '/get', ca.cert, client))).map((r) => r.status), Array(N).fill(200));
    assert.deepEqual((await many(N, () => httpsGet(SPLIT_PORT, '/get', ca.cert))).map((r) => r.status), Array(N).fill(0));
  });

  it('an AuthorizationPolicy on the gateway (remoteIpBlocks): outside the block 10 × 403, inside 10 × 200', async () => {
    const deny = authzPolicy('istio-system', 'gateway-ip', `
selector: {matchLabels: {istio: ingressgateway}}
action: ALLOW
rules: [{from: [{source: {remoteIpBlocks: ["198.51.100.0/24"]}}]}]`);
    await mesh.withPolicy(deny, async () => {
      await until('the gateway policy', 20_000, async () => (await httpsGet(SIMPLE_PORT, '/get', ca.cert)).status === 403);
      const results = await many(N, () => httpsGet(SIMPLE_PORT, '/get', ca.cert));
      assert.deepEqual(results.map((r) => `${r.status} ${r.body}`), Array(N).fill('403 RBAC: access denied'));
    });
    const allow = deny.replace('198.51.100.0/24', '127.0.0.1');
    await mesh.withPolicy(allow, async () => {
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual((await many(N, () => httpsGet(SIMPLE_PORT, '/get', ca.cert))).map((r) => r.status), Array(N).fill(200));
    });
  });

  it('JWT on the ingress gateway (RequestAuthentication + requestPrincipals there): valid 10 × 200, invalid 10 × 401, none 10 × 403', async () => {
    const iss = await createIssuer('https://gateway-issuer.plexus.test');
    const objects = docs(`apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: gateway-jwt, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules: [{issuer: "${iss.iss}", jwks: '${JSON.stringify(iss.jwks)}'}]`, authzPolicy('istio-system', 'gateway-require-jwt', `
selector: {matchLabels: {istio: ingressgateway}}
rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]`));
    const bearer = { authorization: `Bearer ${await iss.token()}` };
    await mesh.withPolicy(objects, async () => {
      await until('the gateway to require a token', 20_000, async () => (await httpsGet(SIMPLE_PORT, '/get', ca.cert)).status === 403);
      assert.deepEqual((await many(N, () => httpsGet(SIMPLE_PORT, '/get', ca.cert, undefined, bearer))).map((r) => r.status), Array(N).fill(200));
      assert.deepEqual((await many(N, () => httpsGet(SIMPLE_PORT, '/get', ca.cert, undefined, { authorization: 'Bearer not.a.jwt' }))).map((r) => r.status), Array(N).fill(401));
      assert.deepEqual((await many(N, () => httpsGet(SIMPLE_PORT, '/get', ca.cert))).map((r) => `${r.status} ${r.body}`), Array(N).fill('403 RBAC: access denied'));
    });
    await until('the gateway open again', 20_000, async () => (await httpsGet(SIMPLE_PORT, '/get', ca.cert)).status === 200);
  });

  it('a rotated Secret is served without a restart: new certificate on new connections, same gateway pid', async () => {
    const pid = mesh.record('istio-system', 'ingressgateway', 'gateway').proxyPid;
    const started = Date.now();
    await mesh.apply(secretYaml('istio-system', 'httpbin-credential', { 'tls.crt': rotated.cert, 'tls.key': rotated.key }));
    await until('the rotated certificate', 20_000, async () => (await httpsGet(SIMPLE_PORT, '/get', ca.cert)).fingerprint === fingerprintOf(rotated.cert));
    process.stdout.write(`# Secret rotation → new certificate served after ${Date.now() - started} ms\n`);
    const results = await many(N, () => httpsGet(SIMPLE_PORT, '/get', ca.cert));
    assert.deepEqual(results.map((r) => `${r.status} ${r.fingerprint}`), Array(N).fill(`200 ${fingerprintOf(rotated.cert)}`));
    assert.equal(mesh.record('istio-system', 'ingressgateway', 'gateway').proxyPid, pid);
  });

  it('DestinationRule MUTUAL with credentialName: the upstream demanding client certificates answers 10 × 200 and sees the client certificate', async () => {
    const url = `http://secure.plexus.test:${upstreamPort}/`;
    await mesh.apply(docs(
      secretYaml('foo', 'secure-client', { 'tls.crt': client.cert, 'tls.key': client.key, 'ca.crt': ca.cert }),
      `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: secure-upstream, namespace: foo}
spec:
  hosts: [secure.plexus.test]
  location: MESH_EXTERNAL
  ports: [{number: ${upstreamPort}, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 198.18.0.1}]`,
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: secure-upstream, namespace: foo}
spec:
  host: secure.plexus.test
  # Istio applies credentialName on sidecars only for a DestinationRule with a workloadSelector.
  workloadSelector: {matchLabels: {app: sleep}}
  trafficPolicy:
    tls: {mode: MUTUAL, credentialName: secure-client, sni: ${HOST}}`,
    ));
    try {
      await sleep.waitForStatus(url, 200);
    } catch (err) {
      throw new Error(`${(err as Error).message}; upstream handshakes ${JSON.stringify(handshakes)}`);
    }
    const results = await sleep.http(url, { n: N });
    assert.deepEqual(results.map((r) => `${r.status} ${r.body}`), Array(N).fill('200 {"clientCn":"client.plexus.test"}'));
  });

  it('DestinationRule SIMPLE (no client certificate) to the same upstream: 10 × 503, the upstream refuses', async () => {
    const url = `http://secure.plexus.test:${upstreamPort}/`;
    await mesh.apply(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: secure-upstream, namespace: foo}
spec:
  host: secure.plexus.test
  # Istio applies credentialName on sidecars only for a DestinationRule with a workloadSelector.
  workloadSelector: {matchLabels: {app: sleep}}
  trafficPolicy:
    tls: {mode: SIMPLE, credentialName: secure-client, sni: ${HOST}}`);
    await sleep.waitForStatus(url, 503);
    const refused = handshakes.refused;
    assert.deepEqual(await sleep.statuses(url, { n: N }), { 503: N });
    assert.ok(handshakes.refused - refused >= N, `the upstream refused ${handshakes.refused - refused} handshakes for ${N} requests`);
  });
});
