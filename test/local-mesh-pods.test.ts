import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { skipOutsideCi } from './runtime-support.js';
import { captureSupport } from '../src/agent/capture-support.js';
import { httpGet } from '../src/agent/http-probe.js';
import { pageIsComplete } from '../src/cli/demo.js';
import { plexusArgv } from '../src/cli/self-command.js';

// The whole local mesh with real processes: controller, ingress gateway, Bookinfo's six
// workloads in network namespaces with iptables capture, as `npm run demo` runs it.
const support = captureSupport();
const root = new URL('../../', import.meta.url).pathname;
const GATEWAY_PORT = 18080;

function plexus(home: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const [file, ...argv] = plexusArgv(args);
  const r = spawnSync(file!, argv, { cwd: root, env: { ...process.env, PLEXUS_HOME: home }, encoding: 'utf8', timeout: 90_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function leftovers(home: string): { netns: string[]; links: string[]; rules: string[]; processes: string[] } {
  const sh = (cmd: string): string[] => (spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);
  return {
    netns: sh('ip netns list').filter((l) => l.startsWith('plexus-')),
    links: sh('ip -o link show').filter((l) => /\bplexus(0|v[0-9a-f]+)\b/.test(l)),
    rules: [...sh('iptables-save'), ...sh('iptables-save -t nat')].filter((l) => l.includes('PLEXUS_')),
    processes: sh('ps -eo args').filter((l) => l.includes('plexus-bin.js') && (l.includes(home) || l.includes('--controller 198.18.0.1:'))),
  };
}

describe('local mesh in pods (plexus demo)', { skip: skipOutsideCi(support.pods ? undefined : `needs pods: ${support.reason}`) ?? false }, () => {
  let home = '';
  const page = (): Promise<string> => httpGet(`http://127.0.0.1:${GATEWAY_PORT}/productpage`, 5000).then((r) => r.body);

  before(() => {
    home = mkdtempSync(join(tmpdir(), 'plexus-mesh-'));
    const r = plexus(home, 'demo', '--home', home, '--port', String(GATEWAY_PORT));
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });

  after(() => {
    plexus(home, 'down', '--home', home);
    rmSync(home, { recursive: true, force: true });
  });

  it('serves the product page with reviews through the ingress gateway', async () => {
    const body = await page();
    assert.match(body, /class="review"/);
    assert.doesNotMatch(body, /id="(details|reviews)-unavailable"/);
  });

  it('lists every proxy SYNCED', () => {
    const r = plexus(home, 'proxy-status', '--home', home);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').slice(1);
    assert.equal(rows.length, 7, r.stdout);
    for (const row of rows) assert.deepEqual(row.split(/\s{2,}/).slice(2, 6), ['SYNCED', 'SYNCED', 'SYNCED', 'SYNCED'], row);
  });

  it('shifts 50% of reviews to v3 with virtual-service-reviews-50-v3', async () => {
    const r = plexus(home, 'apply', '--home', home, '-f', join(root, 'samples/bookinfo/networking/virtual-service-reviews-50-v3.yaml'));
    assert.equal(r.status, 0, r.stderr);
    await new Promise((res) => setTimeout(res, 2000));
    const counts: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const { body } = await httpGet(`http://127.0.0.1:${GATEWAY_PORT}/api/v1/products/0/reviews`, 5000);
      const version = (JSON.parse(body) as { version?: string }).version ?? 'none';
      counts[version] = (counts[version] ?? 0) + 1;
    }
    assert.deepEqual(Object.keys(counts).sort(), ['v1', 'v3'], JSON.stringify(counts));
    assert.ok(counts.v3! >= 80 && counts.v3! <= 120, `v3 ${counts.v3} of 200`);
  });

  it('Bookinfo with allow-nothing: the product page answers 403 "RBAC: access denied"; with the least-privilege policies it is whole again', async () => {
    const security = join(root, 'samples/bookinfo/security');
    const apply = (file: string): void => {
      const r = plexus(home, 'apply', '--home', home, '-f', join(security, file));
      assert.equal(r.status, 0, r.stderr);
    };
    const pageStatus = async (): Promise<string> => {
      const r = await httpGet(`http://127.0.0.1:${GATEWAY_PORT}/productpage`, 5000);
      return r.status === 200 ? (pageIsComplete(r.body) ? 'complete' : 'partial') : `${r.status} ${r.body}`;
    };
    const settle = async (want: string): Promise<string> => {
      let last = '';
      for (let end = Date.now() + 15_000; Date.now() < end && (last = await pageStatus()) !== want;) await new Promise((r) => setTimeout(r, 250));
      return last;
    };
    apply('authorization-allow-nothing.yaml');
    assert.equal(await settle('403 RBAC: access denied'), '403 RBAC: access denied');
    apply('authorization-bookinfo.yaml');
    assert.equal(await settle('complete'), 'complete');
    const pages = await Promise.all(Array.from({ length: 10 }, () => pageStatus()));
    assert.deepEqual(pages, Array(10).fill('complete'));
    // Plaintext from the host has no identity: details refuses it under the policies.
    const details = `http://${(JSON.parse(readFileSync(join(home, 'workloads', readdirSync(join(home, 'workloads')).find((f) => f.startsWith('workload.default.details-v1'))!), 'utf8')) as { address: string }).address}:9080/details/0`;
    assert.equal((await httpGet(details, 3000)).status, 403);
    const r = plexus(home, 'delete', '--home', home, '-f', join(security, 'authorization-allow-nothing.yaml'), '-f', join(security, 'authorization-bookinfo.yaml'));
    assert.equal(r.status, 0, r.stderr);
    let open = 0;
    for (let end = Date.now() + 15_000; Date.now() < end && (open = (await httpGet(details, 3000)).status) !== 200;) await new Promise((res) => setTimeout(res, 250));
    assert.equal(open, 200, 'the policies are gone again');
  });

  it('with STRICT refuses plaintext from outside the mesh while mesh traffic flows', async () => {
    const records = readdirSync(join(home, 'workloads')).filter((f) => f.startsWith('workload.default.details-v1'));
    const details = JSON.parse(readFileSync(join(home, 'workloads', records[0]!), 'utf8')) as { address: string };
    assert.equal((await httpGet(`http://${details.address}:9080/details/0`, 3000)).status, 200, 'PERMISSIVE accepts plaintext');
    const r = plexus(home, 'apply', '--home', home, '-f', join(root, 'samples/bookinfo/security/peer-authentication-strict.yaml'));
    assert.equal(r.status, 0, r.stderr);
    await new Promise((res) => setTimeout(res, 2000));
    assert.equal((await httpGet(`http://${details.address}:9080/details/0`, 3000)).status, 0, 'plaintext must be refused');
    assert.match(await page(), /class="review"/);
  });

  it('plexus run exits with the app status and leaves nothing behind', () => {
    const r = plexus(home, 'run', '--home', home, '--name', 'curler', '--', 'sh', '-c', 'curl -s http://details:9080/details/0 && exit 3');
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout, /"ISBN-10"/);
    const left = leftovers(home);
    assert.deepEqual(left.netns.filter((n) => n.includes('curler')), []);
    assert.ok(!readdirSync(join(home, 'workloads')).some((f) => f.includes('curler')));
  });

  it('plexus down after kill -9 of everything leaves no process, namespace, veth or rule', () => {
    spawnSync('sh', ['-c', `for f in ${home}/workloads/*.json; do for p in $(grep -o '"[a-zA-Z]*[pP]id": [0-9]*' "$f" | grep -o '[0-9]*$'); do kill -9 $p; done; done; kill -9 $(grep -o '"pid": [0-9]*' ${home}/controller.json | grep -o '[0-9]*$')`]);
    const r = plexus(home, 'down', '--home', home);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(leftovers(home), { netns: [], links: [], rules: [], processes: [] });
  });
});
