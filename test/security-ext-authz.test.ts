import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EchoBody } from './support/security-httpbin-app.js';
import { appPath, podsSkipReason, SecurityMesh, type MeshClient } from './support/security-mesh.js';
import { authzPolicy, docs, serviceYaml } from './support/security-objects.js';

// CUSTOM authorization with a test external authorizer running as a mesh workload (Istio's
// "external authorization" task, our own server and names): one provider over Envoy's HTTP
// check protocol, one over gRPC (envoy.service.auth.v3.Authorization). The server decides on
// x-ext-authz-decision: allow / throttle (429) / anything else (403).
const HTTPBIN = 'http://httpbin.foo.svc.cluster.local:8000';
const N = 10;

const MESH_CONFIG = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    extensionProviders:
    - name: test-ext-authz-http
      envoyExtAuthzHttp:
        service: ext-authz.foo.svc.cluster.local
        port: 8000
        includeRequestHeadersInCheck: [x-ext-authz-decision]
        headersToUpstreamOnAllow: [x-ext-authz-result]
        headersToDownstreamOnDeny: [x-ext-authz-result]
    - name: test-ext-authz-grpc
      envoyExtAuthzGrpc:
        service: ext-authz.foo.svc.cluster.local
        port: 9000
`;

function customPolicy(provider: string, paths: readonly string[]): string {
  return authzPolicy('foo', `custom-${provider}`, `
selector: {matchLabels: {app: httpbin}}
action: CUSTOM
provider: {name: ${provider}}
rules: [{to: [{operation: {paths: [${paths.map((p) => `"${p}"`).join(', ')}]}}]}]`);
}

describe('security: CUSTOM authorization with an ext_authz server over HTTP and gRPC (pods)', { skip: podsSkipReason() ?? false }, () => {
  let mesh: SecurityMesh;
  let sleep: MeshClient;
  const allow = { 'x-ext-authz-decision': 'allow' };

  before(async () => {
    mesh = await SecurityMesh.start('pods');
    await mesh.apply(docs(
      MESH_CONFIG,
      serviceYaml('foo', 'httpbin', [{ name: 'http', port: 8000 }]),
      serviceYaml('foo', 'ext-authz', [{ name: 'http', port: 8000 }, { name: 'grpc', port: 9000 }]),
    ));
    [, , sleep] = await Promise.all([
      mesh.run({ namespace: 'foo', name: 'httpbin', ports: [8000], command: [process.execPath, appPath('httpbin'), '8000'], probe: 'http' }),
      mesh.run({ namespace: 'foo', name: 'ext-authz', ports: [8000, 9000], command: [process.execPath, appPath('ext-authz'), '8000,9000'], probe: 'http' }),
      mesh.client('foo', 'sleep'),
    ]);
    await sleep.waitForStatus(`${HTTPBIN}/get`, 200);
  });

  after(async () => {
    await mesh?.down();
  });

  for (const protocol of ['http', 'grpc'] as const) {
    describe(`over ${protocol}`, () => {
      before(async () => {
        await mesh.apply(customPolicy(`test-ext-authz-${protocol}`, ['/headers', '/checked/*']));
        await sleep.waitForStatus(`${HTTPBIN}/headers`, 403);
      });
      after(async () => {
        await mesh.remove(customPolicy(`test-ext-authz-${protocol}`, ['/headers', '/checked/*']));
        await sleep.waitForStatus(`${HTTPBIN}/headers`, 200);
      });

      it(`allowed by the server: 10 × 200, and the upstream sees its x-ext-authz-result (${protocol})`, async () => {
        const results = await sleep.http(`${HTTPBIN}/headers`, { n: N, headers: allow });
        assert.deepEqual(results.map((r) => r.status), Array(N).fill(200));
        const seen = JSON.parse(results[0]!.body) as EchoBody;
        assert.match(String(seen.headers['x-ext-authz-result']), new RegExp(`^allowed-${protocol} GET /headers`));
      });

      it(`denied by the server: 10 × 403 with its body and header, not RBAC's (${protocol})`, async () => {
        const results = await sleep.http(`${HTTPBIN}/checked/x`, { n: N, headers: { 'x-ext-authz-decision': 'no' } });
        assert.deepEqual(results.map((r) => `${r.status} ${r.body}`), Array(N).fill(`403 denied by test-ext-authz (${protocol})`));
        assert.equal(results[0]!.headers['x-ext-authz-result'], `denied-${protocol}`);
      });

      it(`denied with the server's own status: 10 × 429 (${protocol})`, async () => {
        assert.deepEqual(await sleep.statuses(`${HTTPBIN}/checked/y`, { n: N, headers: { 'x-ext-authz-decision': 'throttle' } }), { 429: N });
      });

      it(`paths outside the CUSTOM rules are not checked: 10 × 200 without the header (${protocol})`, async () => {
        const results = await sleep.http(`${HTTPBIN}/get`, { n: N });
        assert.deepEqual(results.map((r) => r.status), Array(N).fill(200));
        assert.equal((JSON.parse(results[0]!.body) as EchoBody).headers['x-ext-authz-result'], undefined);
      });
    });
  }

  it('CUSTOM runs before DENY: allowed by ext_authz but denied by a DENY policy, 10 × 403 "RBAC: access denied"', async () => {
    const policies = docs(customPolicy('test-ext-authz-http', ['/headers']), authzPolicy('foo', 'deny-headers', `
# On httpbin only: a namespace-wide DENY would also refuse the check requests (same path) at the ext-authz server's sidecar.
selector: {matchLabels: {app: httpbin}}
action: DENY
rules: [{to: [{operation: {paths: ["/headers"]}}]}]`));
    await mesh.withPolicy(policies, async () => {
      await sleep.waitForStatus(`${HTTPBIN}/headers`, 403, 20_000, { headers: allow });
      const results = await sleep.http(`${HTTPBIN}/headers`, { n: N, headers: allow });
      assert.deepEqual(results.map((r) => `${r.status} ${r.body}`), Array(N).fill('403 RBAC: access denied'));
      const denied = await sleep.http(`${HTTPBIN}/headers`, { n: N, headers: { 'x-ext-authz-decision': 'no' } });
      assert.deepEqual(denied.map((r) => `${r.status} ${r.body}`), Array(N).fill('403 denied by test-ext-authz (http)'));
    });
    await sleep.waitForStatus(`${HTTPBIN}/headers`, 200);
  });

  it('a gRPC call denied by RBAC ends with PERMISSION_DENIED "RBAC: access denied": 10 × OK without a policy, 10 × code 7 with allow-nothing', async () => {
    const host = 'ext-authz.foo.svc.cluster.local';
    const outcomes = async (): Promise<string[]> => (await sleep.grpc(host, 9000, N)).map((r) => `${r.code} ${r.details}`);
    assert.deepEqual(await outcomes(), Array(N).fill('0 '));
    const policy = authzPolicy('foo', 'grpc-allow-nothing', `
selector: {matchLabels: {app: ext-authz}}
action: ALLOW`);
    await mesh.withPolicy(policy, async () => {
      let last: string[] = [];
      for (let end = Date.now() + 20_000; Date.now() < end && (last = (await sleep.grpc(host, 9000)).map((r) => `${r.code} ${r.details}`))[0] === '0 ';) await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await outcomes(), Array(N).fill('7 RBAC: access denied'), `last probe: ${last.join()}`);
    });
  });
});
