import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EchoBody } from './support/security-httpbin-app.js';
import { appPath, podsSkipReason, SecurityMesh, type MeshClient, type Workload } from './support/security-mesh.js';
import { authzPolicy, docs, serviceYaml } from './support/security-objects.js';

// AuthorizationPolicy on HTTP, enforced by the server's sidecar on the real local mesh in pods
// (Istio's "Authorization for HTTP traffic" and "deny" tasks, with our own cases): httpbin in
// foo, clients `sleep` in foo and in bar. Each case applies its policy and deletes it again.
const HTTPBIN = 'http://httpbin.foo.svc.cluster.local:8000';
const HTTPBIN_ALT = 'http://httpbin.foo.svc.cluster.local:8001';
const N = 10;

describe('security: AuthorizationPolicy over HTTP (pods)', { skip: podsSkipReason() ?? false }, () => {
  let mesh: SecurityMesh;
  let fooSleep: MeshClient;
  let barSleep: MeshClient;
  let httpbin: Workload;

  /** Applies `policy`, waits until `probe` answers `status` from `client` (the push landed), then runs `body`. */
  async function withPolicy(policy: string, probe: { client: MeshClient; url: string; status: number; method?: string }, body: () => Promise<void>): Promise<void> {
    await mesh.withPolicy(policy, async () => {
      await probe.client.waitForStatus(probe.url, probe.status, 20_000, probe.method ? { method: probe.method } : {});
      await body();
    });
    // Back to open before the next case.
    await fooSleep.waitForStatus(`${HTTPBIN}/get`, 200);
  }

  before(async () => {
    mesh = await SecurityMesh.start('pods');
    await mesh.apply(docs(serviceYaml('foo', 'httpbin', [{ name: 'http', port: 8000 }, { name: 'http-alt', port: 8001 }])));
    [httpbin, fooSleep, barSleep] = await Promise.all([
      mesh.run({ namespace: 'foo', name: 'httpbin', ports: [8000, 8001], command: [process.execPath, appPath('httpbin'), '8000,8001'], probe: 'http' }),
      mesh.client('foo', 'sleep'),
      mesh.client('bar', 'sleep'),
    ]);
    await fooSleep.waitForStatus(`${HTTPBIN}/get`, 200);
    await barSleep.waitForStatus(`${HTTPBIN}/get`, 200);
  });

  after(async () => {
    await mesh?.down();
  });

  it('without a policy: 10 requests from each namespace, 20 × 200', async () => {
    assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 200: N });
    assert.deepEqual(await barSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 200: N });
  });

  it('sets x-forwarded-client-cert as Istio sidecars do (By, Hash, Subject, URI of the caller)', async () => {
    const [r] = await fooSleep.http(`${HTTPBIN}/headers`);
    assert.equal(r!.status, 200);
    const xfcc = String((JSON.parse(r!.body) as EchoBody).headers['x-forwarded-client-cert'] ?? '');
    assert.match(xfcc, /By=spiffe:\/\/cluster\.local\/ns\/foo\/sa\/httpbin/);
    assert.match(xfcc, /Hash=[0-9a-f]{64}/);
    assert.match(xfcc, /URI=spiffe:\/\/cluster\.local\/ns\/foo\/sa\/sleep/);
  });

  it('strips a spoofed x-forwarded-client-cert sent by the app', async () => {
    const [r] = await barSleep.http(`${HTTPBIN}/headers`, { headers: { 'x-forwarded-client-cert': 'By=spiffe://evil/ns/x/sa/y;URI=spiffe://cluster.local/ns/foo/sa/admin' } });
    const xfcc = String((JSON.parse(r!.body) as EchoBody).headers['x-forwarded-client-cert'] ?? '');
    assert.doesNotMatch(xfcc, /evil|sa\/admin/);
    assert.match(xfcc, /URI=spiffe:\/\/cluster\.local\/ns\/bar\/sa\/sleep/);
  });

  it('allow-nothing (spec: {}) in foo: 20 requests, 20 × 403 "RBAC: access denied"', async () => {
    await withPolicy(authzPolicy('foo', 'allow-nothing', '{}'), { client: fooSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      const results = [...await fooSleep.http(`${HTTPBIN}/get`, { n: N }), ...await barSleep.http(`${HTTPBIN}/get`, { n: N })];
      assert.deepEqual(results.map((r) => `${r.status} ${r.body}`), Array(2 * N).fill('403 RBAC: access denied'));
    });
  });

  it('allow by principal: foo/sa/sleep 10 × 200, bar/sa/sleep 10 × 403', async () => {
    const policy = authzPolicy('foo', 'by-principal', `
selector: {matchLabels: {app: httpbin}}
action: ALLOW
rules: [{from: [{source: {principals: ["cluster.local/ns/foo/sa/sleep"]}}]}]`);
    await withPolicy(policy, { client: barSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 200: N });
      assert.deepEqual(await barSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
    });
  });

  it('allow by namespace: bar 10 × 200, foo 10 × 403', async () => {
    const policy = authzPolicy('foo', 'by-namespace', `
action: ALLOW
rules: [{from: [{source: {namespaces: [bar]}}]}]`);
    await withPolicy(policy, { client: fooSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      assert.deepEqual(await barSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 200: N });
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
    });
  });

  it('allow by method: GET 10 × 200, POST and DELETE 20 × 403', async () => {
    const policy = authzPolicy('foo', 'by-method', `
selector: {matchLabels: {app: httpbin}}
rules: [{to: [{operation: {methods: [GET, HEAD]}}]}]`);
    await withPolicy(policy, { client: fooSleep, url: `${HTTPBIN}/post`, method: 'POST', status: 403 }, async () => {
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 200: N });
      const denied = { ...await fooSleep.statuses(`${HTTPBIN}/post`, { n: N, method: 'POST' }) };
      const deletes = await fooSleep.statuses(`${HTTPBIN}/x`, { n: N, method: 'DELETE' });
      assert.deepEqual([denied, deletes], [{ 403: N }, { 403: N }]);
    });
  });

  it('allow by path (exact, prefix and suffix): 30 × 200 on matching paths, 20 × 403 elsewhere', async () => {
    const policy = authzPolicy('foo', 'by-path', `
rules: [{to: [{operation: {paths: ["/status/200", "/public/*", "*.css"]}}]}]`);
    await withPolicy(policy, { client: fooSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/status/200`, { n: N }), { 200: N });
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/public/a/b`, { n: N }), { 200: N });
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/site/main.css`, { n: N }), { 200: N });
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/publicity`, { n: N }), { 403: N });
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/status/201`, { n: N }), { 403: N });
    });
  });

  it('allow by request header (when request.headers[x-plexus-role]): with it 10 × 200, without or wrong 20 × 403', async () => {
    const policy = authzPolicy('foo', 'by-header', `
rules: [{when: [{key: "request.headers[x-plexus-role]", values: [admin, "ops-*"]}]}]`);
    await withPolicy(policy, { client: fooSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N / 2, headers: { 'x-plexus-role': 'admin' } }), { 200: N / 2 });
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N / 2, headers: { 'x-plexus-role': 'ops-night' } }), { 200: N / 2 });
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N, headers: { 'x-plexus-role': 'guest' } }), { 403: N });
    });
  });

  it('allow by port: 8001 10 × 200, 8000 10 × 403', async () => {
    const policy = authzPolicy('foo', 'by-port', `
selector: {matchLabels: {app: httpbin}}
rules: [{to: [{operation: {ports: ["8001"]}}]}]`);
    await withPolicy(policy, { client: fooSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN_ALT}/get`, { n: N }), { 200: N });
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
    });
  });

  for (const field of ['ipBlocks', 'remoteIpBlocks'] as const) {
    it(`allow by IP (${field}: foo/sleep's pod address): foo 10 × 200, bar 10 × 403`, async () => {
      const ip = mesh.record('foo', 'sleep').address;
      const policy = authzPolicy('foo', `by-${field.toLowerCase()}`, `
rules: [{from: [{source: {${field}: ["${ip}/32"]}}]}]`);
      await withPolicy(policy, { client: barSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
        assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 200: N });
        assert.deepEqual(await barSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
      });
    });
  }

  it('DENY with notPaths: everything but /ip denied, 10 × 200 on /ip, 20 × 403 elsewhere', async () => {
    const policy = authzPolicy('foo', 'deny-not-ip', `
selector: {matchLabels: {app: httpbin}}
action: DENY
rules: [{to: [{operation: {notPaths: ["/ip"]}}]}]`);
    await withPolicy(policy, { client: fooSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/ip`, { n: N }), { 200: N });
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
      assert.deepEqual(await barSleep.statuses(`${HTTPBIN}/headers`, { n: N }), { 403: N });
    });
  });

  it('DENY wins over ALLOW: bar allowed but DELETE from bar denied (10 × 200, 10 × 403), foo 10 × 403', async () => {
    const policy = docs(
      authzPolicy('foo', 'allow-bar', 'rules: [{from: [{source: {namespaces: [bar]}}]}]'),
      authzPolicy('foo', 'deny-delete', `
action: DENY
rules: [{to: [{operation: {methods: [DELETE]}}]}]`),
    );
    await withPolicy(policy, { client: barSleep, url: `${HTTPBIN}/x`, method: 'DELETE', status: 403 }, async () => {
      assert.deepEqual(await barSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 200: N });
      assert.deepEqual(await barSleep.statuses(`${HTTPBIN}/x`, { n: N, method: 'DELETE' }), { 403: N });
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
    });
  });

  it('a policy in the root namespace (istio-system) applies mesh-wide: allow-nothing there → foo 10 × 403, bar 10 × 403', async () => {
    await withPolicy(authzPolicy('istio-system', 'mesh-allow-nothing', '{}'), { client: fooSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
      assert.deepEqual(await barSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
    });
  });

  it('principals in a trustDomainAliases domain match the mesh identity: legacy.example/ns/foo/sa/sleep → foo 10 × 200, bar 10 × 403', async () => {
    const policy = docs(`apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    trustDomainAliases: [legacy.example]
`, authzPolicy('foo', 'legacy-principal', `
selector: {matchLabels: {app: httpbin}}
rules: [{from: [{source: {principals: ["legacy.example/ns/foo/sa/sleep"]}}]}]`));
    await withPolicy(policy, { client: barSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      await fooSleep.waitForStatus(`${HTTPBIN}/get`, 200);
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 200: N });
      assert.deepEqual(await barSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
    });
  });

  it('notPrincipals / notNamespaces in a DENY: everyone but foo/sa/sleep denied (foo 10 × 200, bar 10 × 403)', async () => {
    const policy = authzPolicy('foo', 'deny-others', `
action: DENY
rules: [{from: [{source: {notPrincipals: ["cluster.local/ns/foo/sa/sleep"], notNamespaces: [foo]}}]}]`);
    await withPolicy(policy, { client: barSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 200: N });
      assert.deepEqual(await barSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
    });
  });

  it('when source.namespace and destination.port: bar on 8000 10 × 200, bar on 8001 10 × 403, foo 10 × 403', async () => {
    const policy = authzPolicy('foo', 'when-keys', `
selector: {matchLabels: {app: httpbin}}
rules: [{when: [{key: source.namespace, values: [bar]}, {key: destination.port, values: ["8000"]}]}]`);
    await withPolicy(policy, { client: fooSleep, url: `${HTTPBIN}/get`, status: 403 }, async () => {
      assert.deepEqual(await barSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 200: N });
      assert.deepEqual(await barSleep.statuses(`${HTTPBIN_ALT}/get`, { n: N }), { 403: N });
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: N }), { 403: N });
    });
  });

  it('AUDIT has no effect on traffic: 20 × 200', async () => {
    const policy = authzPolicy('foo', 'audit-all', `
action: AUDIT
rules: [{to: [{operation: {methods: [GET]}}]}]`);
    await mesh.withPolicy(policy, async () => {
      // Give the push time to land: traffic must stay unaffected all along.
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: 2 * N }), { 200: 2 * N });
    });
  });

  it('dry-run DENY (istio.io/dry-run) has no effect: 20 × 200, and the sidecar counts 20 shadow denials', async () => {
    const shadowDenied = async (): Promise<number> => {
      const stats = await mesh.adminStats(httpbin);
      let sum = 0;
      for (const m of stats.matchAll(/^\S*istio_dry_run_deny_\S*shadow_denied\S*:\s*(\d+)/gm)) sum += Number(m[1]);
      return sum;
    };
    const policy = authzPolicy('foo', 'dry-run-deny-all', `
selector: {matchLabels: {app: httpbin}}
action: DENY
rules: [{to: [{operation: {paths: ["/*"]}}]}]`, { 'istio.io/dry-run': 'true' });
    await mesh.withPolicy(policy, async () => {
      await new Promise((r) => setTimeout(r, 1500));
      const before = await shadowDenied();
      assert.deepEqual(await fooSleep.statuses(`${HTTPBIN}/get`, { n: 2 * N }), { 200: 2 * N });
      assert.equal(await shadowDenied() - before, 2 * N);
    });
  });

  it('a policy change takes effect within 1 s, no restarts (5 × apply allow-nothing → 403, 5 × delete → 200)', async () => {
    const pids = { sidecar: httpbin.record().proxyPid, app: httpbin.record().appPid };
    const policy = authzPolicy('foo', 'allow-nothing-timed', '{}');
    const figures: string[] = [];
    const url = `${HTTPBIN}/get`;
    for (let i = 0; i < 5; i++) {
      const on = await fooSleep.timeChange(url, 200, 403, () => mesh.apply(policy));
      const off = await fooSleep.timeChange(url, 403, 200, () => mesh.remove(policy));
      figures.push(`apply ${on.fromStart} ms (${on.fromReturn} ms after the CLI returned), delete ${off.fromStart} ms (${off.fromReturn})`);
      assert.ok(on.fromReturn <= 1000 && off.fromReturn <= 1000, figures.join('; '));
    }
    process.stdout.write(`# policy change → first changed response: ${figures.join('; ')}\n`);
    assert.deepEqual({ sidecar: httpbin.record().proxyPid, app: httpbin.record().appPid }, pids);
  });
});
