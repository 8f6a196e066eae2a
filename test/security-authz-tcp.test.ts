import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { appPath, podLeftovers, podsSkipReason, SecurityMesh, type MeshClient } from './support/security-mesh.js';
import { authzPolicy, docs, serviceYaml } from './support/security-objects.js';

// AuthorizationPolicy on TCP (Istio's "Authorization for TCP traffic" task, our own cases): the
// server sidecar's network RBAC before tcp_proxy. A denied connection is closed without a byte
// echoed. tcp-echo in foo serves 9000 and 9001; clients sleep in foo and bar.
// The sidecar's DNS proxy answers only names of HTTP services (docs/local-mesh.md), so the
// client dials the Service's cluster IP, as a TCP client given an address would.
const HOST = '198.19.250.10';
const N = 10;
// Ends in a newline: Plexus's http inspector waits 5 s on a first line that could still be an
// HTTP method (see the last case), which would slow every exchange down.
const MESSAGE = 'hello\n';
const ECHO = `echo ${MESSAGE}`;

describe('security: AuthorizationPolicy over TCP (pods)', { skip: podsSkipReason() ?? false }, () => {
  let mesh: SecurityMesh;
  let fooSleep: MeshClient;
  let barSleep: MeshClient;

  /** `n` exchanges on `port` from `client`: how many echoed, how many got nothing. */
  async function outcomes(client: MeshClient, port: number, n = N): Promise<{ echoed: number; closed: number }> {
    const results = await client.tcp(HOST, port, MESSAGE, n);
    return { echoed: results.filter((r) => r.data === ECHO).length, closed: results.filter((r) => r.data === '').length };
  }

  /** Waits until `port` from `client` gives `want` (the push reached the server's sidecar). */
  async function settle(client: MeshClient, port: number, want: 'echoed' | 'closed'): Promise<void> {
    const end = Date.now() + 20_000;
    while (Date.now() < end) {
      const [r] = await client.tcp(HOST, port, MESSAGE);
      if ((r!.data === ECHO) === (want === 'echoed')) return;
      await new Promise((res) => setTimeout(res, 200));
    }
    throw new Error(`${HOST}:${port} never ${want}`);
  }

  async function withPolicy(policy: string, probe: { client: MeshClient; port: number; want: 'echoed' | 'closed' }, body: () => Promise<void>): Promise<void> {
    await mesh.withPolicy(policy, async () => {
      await settle(probe.client, probe.port, probe.want);
      await body();
    });
    await settle(fooSleep, 9000, 'echoed');
    await settle(fooSleep, 9001, 'echoed');
  }

  before(async () => {
    mesh = await SecurityMesh.start('pods');
    await mesh.apply(docs(serviceYaml('foo', 'tcp-echo', [{ name: 'tcp', port: 9000 }, { name: 'tcp-alt', port: 9001 }], HOST)));
    [, fooSleep, barSleep] = await Promise.all([
      mesh.run({ namespace: 'foo', name: 'tcp-echo', ports: [9000, 9001], command: [process.execPath, appPath('tcp-echo'), '9000,9001'], probe: 'tcp' }),
      mesh.client('foo', 'sleep'),
      mesh.client('bar', 'sleep'),
    ]);
    await settle(fooSleep, 9000, 'echoed');
    await settle(barSleep, 9000, 'echoed');
  });

  after(async () => {
    await mesh?.down();
  });

  it('without a policy: 10 connections per port, 20 × echoed', async () => {
    assert.deepEqual([await outcomes(fooSleep, 9000), await outcomes(fooSleep, 9001)], [{ echoed: N, closed: 0 }, { echoed: N, closed: 0 }]);
  });

  it('allow-nothing: 20 connections closed, no byte echoed', async () => {
    await withPolicy(authzPolicy('foo', 'allow-nothing', '{}'), { client: fooSleep, port: 9000, want: 'closed' }, async () => {
      assert.deepEqual([await outcomes(fooSleep, 9000), await outcomes(barSleep, 9001)], [{ echoed: 0, closed: N }, { echoed: 0, closed: N }]);
    });
  });

  it('allow by port 9000: 9000 10 × echoed, 9001 10 × closed', async () => {
    const policy = authzPolicy('foo', 'tcp-port', `
selector: {matchLabels: {app: tcp-echo}}
action: ALLOW
rules: [{to: [{operation: {ports: ["9000"]}}]}]`);
    await withPolicy(policy, { client: fooSleep, port: 9001, want: 'closed' }, async () => {
      assert.deepEqual(await outcomes(fooSleep, 9000), { echoed: N, closed: 0 });
      assert.deepEqual(await outcomes(fooSleep, 9001), { echoed: 0, closed: N });
    });
  });

  it('allow by principal on TCP: foo/sa/sleep 10 × echoed, bar/sa/sleep 10 × closed', async () => {
    const policy = authzPolicy('foo', 'tcp-principal', `
rules: [{from: [{source: {principals: ["cluster.local/ns/foo/sa/sleep"]}}]}]`);
    await withPolicy(policy, { client: barSleep, port: 9000, want: 'closed' }, async () => {
      assert.deepEqual(await outcomes(fooSleep, 9000), { echoed: N, closed: 0 });
      assert.deepEqual(await outcomes(barSleep, 9000), { echoed: 0, closed: N });
    });
  });

  it('ALLOW with an HTTP-only field (methods) on TCP matches nothing: 9000 10 × closed, 9001 (other rule) 10 × echoed', async () => {
    const policy = authzPolicy('foo', 'tcp-allow-methods', `
selector: {matchLabels: {app: tcp-echo}}
action: ALLOW
rules:
- to: [{operation: {methods: [GET], ports: ["9000"]}}]
- to: [{operation: {ports: ["9001"]}}]`);
    await withPolicy(policy, { client: fooSleep, port: 9000, want: 'closed' }, async () => {
      assert.deepEqual(await outcomes(fooSleep, 9000), { echoed: 0, closed: N });
      assert.deepEqual(await outcomes(fooSleep, 9001), { echoed: N, closed: 0 });
    });
  });

  it('DENY with an HTTP-only field (methods) on TCP denies the port: 9000 10 × closed, 9001 10 × echoed', async () => {
    const policy = authzPolicy('foo', 'tcp-deny-methods', `
selector: {matchLabels: {app: tcp-echo}}
action: DENY
rules: [{to: [{operation: {methods: [GET], ports: ["9000"]}}]}]`);
    await withPolicy(policy, { client: fooSleep, port: 9000, want: 'closed' }, async () => {
      assert.deepEqual(await outcomes(fooSleep, 9000), { echoed: 0, closed: N });
      assert.deepEqual(await outcomes(fooSleep, 9001), { echoed: N, closed: 0 });
    });
  });

  it('DENY by namespace on TCP: bar 10 × closed, foo 10 × echoed', async () => {
    const policy = authzPolicy('foo', 'tcp-deny-bar', `
action: DENY
rules: [{from: [{source: {namespaces: [bar]}}]}]`);
    await withPolicy(policy, { client: barSleep, port: 9000, want: 'closed' }, async () => {
      assert.deepEqual(await outcomes(barSleep, 9000), { echoed: 0, closed: N });
      assert.deepEqual(await outcomes(fooSleep, 9000), { echoed: N, closed: 0 });
    });
  });

  it('plaintext from outside the mesh (PERMISSIVE) with a short non-HTTP first message ("ping"): 5 × echoed within 1 s each, as Envoy\'s http_inspector gives up at once on bytes that are no HTTP method', async () => {
    const address = mesh.record('foo', 'tcp-echo').address;
    const took: number[] = [];
    const data: string[] = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      data.push(await new Promise<string>((resolve) => {
        let got = '';
        const s = connect(9000, address, () => s.write('ping'));
        s.setEncoding('utf8').setTimeout(8000, () => s.destroy());
        s.on('data', (c: string) => { got += c; s.end(); });
        s.on('error', () => undefined);
        s.on('close', () => resolve(got));
      }));
      took.push(Date.now() - started);
    }
    assert.deepEqual(data, Array(5).fill('echo ping'));
    assert.ok(took.every((ms) => ms < 1000), `exchanges took ${took.join(', ')} ms`);
  });

  it('plexus down stops every workload and leaves no pod namespace, veth, rule or process', async () => {
    const r = await mesh.cli('down');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(podLeftovers(mesh.home), []);
  });
});
