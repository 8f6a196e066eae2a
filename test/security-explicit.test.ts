import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { freePorts } from '../src/agent/free-ports.js';
import { makeCa, makeLeaf, secretYaml } from './support/security-certs.js';
import type { EchoBody } from './support/security-httpbin-app.js';
import { createIssuer, type TestIssuer } from './support/security-jwt.js';
import { appPath, SecurityMesh, until, type MeshClient, type Workload } from './support/security-mesh.js';
import { authzPolicy, docs, serviceYaml } from './support/security-objects.js';

// A representative subset of the security cases in explicit mode (no namespaces, no capture;
// clients go through their sidecar's HTTP proxy port and TCP port forwards): the sidecars
// enforce the same policies on their allocated inbound ports. Runs anywhere, without root, on a
// controller with ports of its own.
const HTTPBIN = 'http://httpbin.foo.svc.cluster.local:8000';
const ISS = 'https://issuer.plexus.test';
const N = 10;
const GATEWAY_HOST = 'httpbin.example.test';

/** One HTTPS GET to the gateway on 127.0.0.1:port (SNI and Host GATEWAY_HOST), the server verified against `ca`. */
function httpsGet(port: number, ca: string): Promise<{ status: number; fingerprint?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/get', servername: GATEWAY_HOST, headers: { host: GATEWAY_HOST }, ca, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, fingerprint: (res.socket as TLSSocket).getPeerCertificate().fingerprint256 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: e.message }));
    req.end();
  });
}

describe('security: explicit mode (HTTP proxy and forwards)', () => {
  let mesh: SecurityMesh;
  let fooSleep: MeshClient;
  let barSleep: MeshClient;
  let httpbin: Workload;
  let issuer: TestIssuer;
  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

  async function withPolicy(policy: string, probe: { client: MeshClient; url: string; status: number }, body: () => Promise<void>): Promise<void> {
    await mesh.withPolicy(policy, async () => {
      await probe.client.waitForStatus(probe.url, probe.status);
      await body();
    });
    await fooSleep.waitForStatus(`${HTTPBIN}/get`, 200);
  }

  async function tcpOutcomes(client: MeshClient, n = N): Promise<{ echoed: number; closed: number }> {
    const results = await client.tcp('tcp-echo.foo', 9000, 'hello\n', n);
    return { echoed: results.filter((r) => r.data === 'echo hello\n').length, closed: results.filter((r) => r.data === '').length };
  }

  before(async () => {
    issuer = await createIssuer(ISS);
    mesh = await SecurityMesh.start('explicit');
    await mesh.apply(docs(
      serviceYaml('foo', 'httpbin', [{ name: 'http', port: 8000 }]),
      serviceYaml('foo', 'tcp-echo', [{ name: 'tcp', port: 9000 }]),
      serviceYaml('foo', 'ext-authz', [{ name: 'http', port: 8000 }]),
      `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    extensionProviders:
    - name: test-ext-authz-http
      envoyExtAuthzHttp: {service: ext-authz.foo.svc.cluster.local, port: 8000, includeRequestHeadersInCheck: [x-ext-authz-decision]}`,
      `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  jwtRules: [{issuer: "${ISS}", jwks: '${JSON.stringify(issuer.jwks)}'}]`,
    ));
    [httpbin, , , fooSleep, barSleep] = await Promise.all([
      mesh.run({ namespace: 'foo', name: 'httpbin', ports: [8000], command: [process.execPath, appPath('httpbin'), '8000'], probe: 'http' }),
      mesh.run({ namespace: 'foo', name: 'tcp-echo', ports: [9000], command: [process.execPath, appPath('tcp-echo'), '9000'], probe: 'tcp' }),
      mesh.run({ namespace: 'foo', name: 'ext-authz', ports: [8000], command: [process.execPath, appPath('ext-authz'), '8000'], probe: 'http' }),
      mesh.client('foo', 'sleep'),
      mesh.client('bar', 'sleep', { forwards: ['tcp-echo.foo:9000'] }),
    ]);
    await fooSleep.waitForStatus(`${HTTPBIN}/get`, 200);
    await barSleep.waitForStatus(`${HTTPBIN}/get`, 200);
  });

  after(async () => {
    await mesh?.down();
  });

  it('without a policy: 20 × 200 and the caller identity in x-forwarded-client-cert', async () => {
    const results = [...await fooSleep.http(`${HTTPBIN}/headers`, { n: N }), ...await barSleep.http(`${HTTPBIN}/headers`, { n: N })];
    assert.deepEqual(results.map((r) => r.status), Array(2 * N).fill(200));
    assert.match(String((JSON.parse(results[N]!.body) as EchoBody).headers['x-forwarded-client-cert']), /URI=spiffe:\/\/cluster\.local\/ns\/bar\/sa\/sleep/);
  });

  it('allow-nothing: 20 × 403 "RBAC: access denied"', async () => {
    await withPolicy(authzPolicy('foo', 'allow-nothing', '{}'), { client: fooSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      const results = [...await fooSleep.http(`${HTTPBIN}/get`, { n: N }), ...await barSleep.http(`${HTTPBIN}/get`, { n: N })];
      assert.deepEqual(results.map((r) => `${r.status} ${r.body}`), Array(2 * N).fill('403 RBAC: access denied'));
    });
  });

  it('allow by principal: foo/sa/sleep 10 × 200, bar/sa/sleep 10 × 403', async () => {
    const policy = authzPolicy('foo', 'by-principal', `
selector: {matchLabels: {app: httpbin}}
rules: [{from: [{source: {principals: ["cluster.local/ns/foo/sa/sleep"]}}]}]`);
    await withPolicy(policy, { client: barSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 200: N });
      assert.deepEqual(await barSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
    });
  });

  it('JWT: valid 10 × 200, expired 10 × 401, and with requestPrincipals required no token 10 × 403', async () => {
    assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await issuer.token()) }), { 200: N });
    assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await issuer.token({}, { expiresInSec: -120 })) }), { 401: N });
    const policy = authzPolicy('foo', 'require-jwt', `
selector: {matchLabels: {app: httpbin}}
rules: [{from: [{source: {requestPrincipals: ["${ISS}/*"]}}]}]`);
    await withPolicy(policy, { client: fooSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N, headers: bearer(await issuer.token()) }), { 200: N });
    });
  });

  it('TCP through a port forward: 10 × echoed; with DENY from bar 10 × closed, no byte echoed', async () => {
    assert.deepEqual(await tcpOutcomes(barSleep), { echoed: N, closed: 0 });
    const policy = authzPolicy('foo', 'tcp-deny-bar', `
selector: {matchLabels: {app: tcp-echo}}
action: DENY
rules: [{from: [{source: {namespaces: [bar]}}]}]`);
    await mesh.withPolicy(policy, async () => {
      const end = Date.now() + 20_000;
      while (Date.now() < end && (await tcpOutcomes(barSleep, 1)).closed !== 1) await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await tcpOutcomes(barSleep), { echoed: 0, closed: N });
      assert.deepEqual(await tcpOutcomes(fooSleep), { echoed: N, closed: 0 });
    });
  });

  it('path normalisation: /x/../admin reaches the app as /admin, and a DENY on /admin denies it (10 × 200, then 10 × 403)', async () => {
    const paths = async (): Promise<string[]> => (await fooSleep.http(`${HTTPBIN}/`, { n: N, rawPath: '/x/../admin' }))
      .map((r) => `${r.status} ${r.status === 200 ? (JSON.parse(r.body) as EchoBody).path : r.body}`);
    assert.deepEqual(await paths(), Array(N).fill('200 /admin'));
    const policy = authzPolicy('foo', 'deny-admin', `
action: DENY
rules: [{to: [{operation: {paths: ["/admin"]}}]}]`);
    await withPolicy(policy, { client: fooSleep, url: `${HTTPBIN}/admin`, status: 403 }, async () => {
      assert.deepEqual(await paths(), Array(N).fill('403 RBAC: access denied'));
    });
  });

  it('dry-run ALLOW: no effect (20 × 200), 20 shadow denials counted on the server sidecar', async () => {
    const shadowDenied = async (): Promise<number> => {
      let sum = 0;
      for (const m of (await mesh.adminStats(httpbin)).matchAll(/^\S*istio_dry_run_allow_\S*shadow_denied\S*:\s*(\d+)/gm)) sum += Number(m[1]);
      return sum;
    };
    const policy = authzPolicy('foo', 'dry-run-allow-none', `
selector: {matchLabels: {app: httpbin}}
rules: [{to: [{operation: {paths: ["/nothing"]}}]}]`, { 'istio.io/dry-run': 'true' });
    await mesh.withPolicy(policy, async () => {
      await new Promise((r) => setTimeout(r, 1500));
      const before = await shadowDenied();
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: 2 * N }), { 200: 2 * N });
      assert.equal(await shadowDenied() - before, 2 * N);
    });
  });

  it('a policy change takes effect within 1 s (3 × apply → 403, 3 × delete → 200), no restarts', async () => {
    const pid = httpbin.record().proxyPid;
    const policy = authzPolicy('foo', 'allow-nothing-timed', '{}');
    const figures: string[] = [];
    for (let i = 0; i < 3; i++) {
      const on = await fooSleep.timeChange(`${HTTPBIN}/get`, 200, 403, () => mesh.apply(policy));
      const off = await fooSleep.timeChange(`${HTTPBIN}/get`, 403, 200, () => mesh.remove(policy));
      figures.push(`apply ${on.fromStart} ms (${on.fromReturn} ms after the CLI returned), delete ${off.fromStart} ms (${off.fromReturn})`);
      assert.ok(on.fromReturn <= 1000 && off.fromReturn <= 1000, figures.join('; '));
    }
    process.stdout.write(`# explicit mode, policy change → first changed response: ${figures.join('; ')}\n`);
    assert.equal(httpbin.record().proxyPid, pid);
  });

  it('CUSTOM with the ext_authz server over HTTP: allowed 10 × 200, denied 10 × 403 with the server\'s body', async () => {
    const policy = authzPolicy('foo', 'custom-http', `
selector: {matchLabels: {app: httpbin}}
action: CUSTOM
provider: {name: test-ext-authz-http}
rules: [{to: [{operation: {paths: ["/checked/*"]}}]}]`);
    await mesh.withPolicy(policy, async () => {
      await fooSleep.waitForStatus(`${HTTPBIN}/checked/a`, 403);
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/checked/a`, { n: N, headers: { 'x-ext-authz-decision': 'allow' } }), { 200: N });
      const denied = await fooSleep.http(`${HTTPBIN}/checked/b`, { n: N });
      assert.deepEqual(denied.map((r) => `${r.status} ${r.body}`), Array(N).fill('403 denied by test-ext-authz (http)'));
    });
  });

  it('an ingress gateway serves HTTPS with a credentialName Secret: 10 × 200 with its certificate, then a rotated one without a restart', async () => {
    const ca = makeCa('plexus-e2e-explicit-ca');
    const [first, second] = [makeLeaf(ca, GATEWAY_HOST), makeLeaf(ca, GATEWAY_HOST)];
    const [port] = await freePorts(1);
    await mesh.apply(docs(
      secretYaml('istio-system', 'httpbin-credential', { 'tls.crt': first!.cert, 'tls.key': first!.key }),
      `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: httpbin-gateway, namespace: foo}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [${GATEWAY_HOST}], tls: {mode: SIMPLE, credentialName: httpbin-credential}}]`,
      `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: foo}
spec:
  hosts: [${GATEWAY_HOST}]
  gateways: [httpbin-gateway]
  http: [{route: [{destination: {host: httpbin.foo.svc.cluster.local, port: {number: 8000}}}]}]`,
    ));
    await mesh.gateway('ingressgateway', `${port}:443`);
    const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;
    await until('the gateway to serve the Secret', 30_000, async () => (await httpsGet(port!, ca.cert)).status === 200);
    const results = await Promise.all(Array.from({ length: N }, () => httpsGet(port!, ca.cert)));
    assert.deepEqual(results.map((r) => `${r.status} ${r.fingerprint}`), Array(N).fill(`200 ${fingerprint(first!.cert)}`));
    const pid = mesh.record('istio-system', 'ingressgateway', 'gateway').proxyPid;
    await mesh.apply(secretYaml('istio-system', 'httpbin-credential', { 'tls.crt': second!.cert, 'tls.key': second!.key }));
    await until('the rotated certificate', 20_000, async () => (await httpsGet(port!, ca.cert)).fingerprint === fingerprint(second!.cert));
    assert.equal(mesh.record('istio-system', 'ingressgateway', 'gateway').proxyPid, pid);
  });
});
