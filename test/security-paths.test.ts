import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EchoBody } from './support/security-httpbin-app.js';
import { appPath, podsSkipReason, SecurityMesh, type MeshClient } from './support/security-mesh.js';
import { authzPolicy, docs, serviceYaml } from './support/security-objects.js';

// Path normalisation before routing and authorization (meshConfig.pathNormalization, Istio's
// default BASE), on the local mesh in pods: the client sends its path as is (no client-side
// clean-up, like `curl --path-as-is`); the server's sidecar authorises and forwards the
// normalised path. Also Envoy's limit of 100 request headers.
const HTTPBIN = 'http://httpbin.foo.svc.cluster.local:8000';
const N = 10;

describe('security: path normalisation and request limits (pods)', { skip: podsSkipReason() ?? false }, () => {
  let mesh: SecurityMesh;
  let sleep: MeshClient;

  const seenPaths = async (rawPath: string, n = N): Promise<string[]> =>
    (await sleep.http(`${HTTPBIN}/`, { n, rawPath })).map((r) => `${r.status} ${r.status === 200 ? (JSON.parse(r.body) as EchoBody).path : r.body}`);

  before(async () => {
    mesh = await SecurityMesh.start('pods');
    await mesh.apply(docs(serviceYaml('foo', 'httpbin', [{ name: 'http', port: 8000 }])));
    [, sleep] = await Promise.all([
      mesh.run({ namespace: 'foo', name: 'httpbin', ports: [8000], command: [process.execPath, appPath('httpbin'), '8000'], probe: 'http' }),
      mesh.client('foo', 'sleep'),
    ]);
    await sleep.waitForStatus(`${HTTPBIN}/get`, 200);
  });

  after(async () => {
    await mesh?.down();
  });

  it('BASE: /x/../admin reaches the app as /admin (10 × 200 "/admin")', async () => {
    assert.deepEqual(await seenPaths('/x/../admin'), Array(N).fill('200 /admin'));
  });

  it('BASE: dot segments anywhere are removed, the query is kept (/a/./b/../c?q=1 → /a/c?q=1)', async () => {
    assert.deepEqual(await seenPaths('/a/./b/../c?q=1', 5), Array(5).fill('200 /a/c?q=1'));
  });

  it('BASE does not merge slashes: //admin stays //admin', async () => {
    assert.deepEqual(await seenPaths('//admin', 5), Array(5).fill('200 //admin'));
  });

  it('DENY on /admin also denies /x/../admin and /public/../admin: 20 × 403; /admin/../public 10 × 200 as /public', async () => {
    const policy = authzPolicy('foo', 'deny-admin', `
selector: {matchLabels: {app: httpbin}}
action: DENY
rules: [{to: [{operation: {paths: ["/admin", "/admin/*"]}}]}]`);
    await mesh.withPolicy(policy, async () => {
      await sleep.waitForStatus(`${HTTPBIN}/admin`, 403);
      assert.deepEqual([...await seenPaths('/x/../admin'), ...await seenPaths('/public/../admin/users')], Array(2 * N).fill('403 RBAC: access denied'));
      assert.deepEqual(await seenPaths('/admin/../public'), Array(N).fill('200 /public'));
    });
    await sleep.waitForStatus(`${HTTPBIN}/admin`, 200);
  });

  it('ALLOW only /admin: /x/../admin is authorised and routed as /admin (10 × 200), /x/../other 10 × 403', async () => {
    const policy = authzPolicy('foo', 'allow-admin', `
selector: {matchLabels: {app: httpbin}}
rules: [{to: [{operation: {paths: ["/admin"]}}]}]`);
    await mesh.withPolicy(policy, async () => {
      await sleep.waitForStatus(`${HTTPBIN}/other`, 403);
      assert.deepEqual(await seenPaths('/x/../admin'), Array(N).fill('200 /admin'));
      assert.deepEqual(await seenPaths('/x/../other'), Array(N).fill('403 RBAC: access denied'));
    });
    await sleep.waitForStatus(`${HTTPBIN}/other`, 200);
  });

  it('meshConfig pathNormalization MERGE_SLASHES: //admin//users reaches the app as /admin/users', async () => {
    const meshConfig = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    pathNormalization: {normalization: MERGE_SLASHES}
`;
    await mesh.withPolicy(meshConfig, async () => {
      const end = Date.now() + 20_000;
      while (Date.now() < end && (await seenPaths('//admin//users', 1))[0] !== '200 /admin/users') await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await seenPaths('//admin//users'), Array(N).fill('200 /admin/users'));
    });
  });

  it('more than 100 request headers: 10 × 431; 80 headers 10 × 200', async () => {
    const headers = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-extra-${i}`, 'v']));
    assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: headers(80) }), { 200: N });
    assert.deepEqual(await sleep.statuses(`${HTTPBIN}/get`, { n: N, headers: headers(120) }), { 431: N });
  });
});
