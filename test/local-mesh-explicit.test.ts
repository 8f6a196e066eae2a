import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpGet } from '../src/agent/http-probe.js';
import { pageIsComplete } from '../src/cli/demo.js';
import { plexusArgv } from '../src/cli/self-command.js';

// The whole local mesh in explicit mode (no namespaces, no capture): the apps reach services
// through their sidecar as HTTP_PROXY, peers reach them on allocated loopback ports. Runs
// anywhere (no root); uses the controller's fixed ports, so not alongside another local mesh.
const root = new URL('../../', import.meta.url).pathname;
const GATEWAY_PORT = 28080;
const hasCurl = spawnSync('sh', ['-c', 'command -v curl'], { stdio: 'ignore' }).status === 0;

function plexus(home: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const [file, ...argv] = plexusArgv(args);
  const r = spawnSync(file!, argv, { cwd: root, env: { ...process.env, PLEXUS_HOME: home, PLEXUS_CAPTURE: 'none' }, encoding: 'utf8', timeout: 90_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Plexus processes of this home still running (controller, runs, sidecars, gateway). */
function processesOf(home: string): string[] {
  return (spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((l) => l.includes('plexus-bin.js') && l.includes(home));
}

describe('local mesh in explicit mode (plexus demo --capture none)', () => {
  let home = '';
  const page = (): Promise<string> => httpGet(`http://127.0.0.1:${GATEWAY_PORT}/productpage`, 5000).then((r) => r.body);
  const record = (name: string): { address: string; ports: number[]; mode: string } =>
    JSON.parse(readFileSync(join(home, 'workloads', `workload.default.${name}.json`), 'utf8')) as { address: string; ports: number[]; mode: string };

  before(() => {
    home = mkdtempSync(join(tmpdir(), 'plexus-explicit-'));
    const r = plexus(home, 'demo', '--home', home, '--port', String(GATEWAY_PORT), '--capture', 'none');
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /explicit mode/);
  });

  after(() => {
    plexus(home, 'down', '--home', home);
    rmSync(home, { recursive: true, force: true });
  });

  it('serves the product page with reviews through the ingress gateway', async () => {
    const body = await page();
    assert.match(body, /class="review"/);
    assert.doesNotMatch(body, /id="(details|reviews)-unavailable"/);
    const details = record('details-v1');
    assert.equal(details.mode, 'explicit');
    assert.equal(details.address, '127.0.0.1');
    assert.notEqual(details.ports[0], 9080, 'the registered port is an allocated one');
  });

  it('lists every proxy SYNCED', () => {
    const r = plexus(home, 'proxy-status', '--home', home);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').slice(1);
    assert.equal(rows.length, 7, r.stdout);
    for (const row of rows) assert.deepEqual(row.split(/\s{2,}/).slice(2, 6), ['SYNCED', 'SYNCED', 'SYNCED', 'SYNCED'], row);
  });

  it('routes by authority on the sidecar HTTP proxy (one http_proxy route table)', () => {
    const r = plexus(home, 'proxy-config', 'route', 'productpage-v1.default', '--home', home);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /http_proxy\s+reviews\.default\.svc\.cluster\.local:9080\s+reviews:9080/);
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
    const details = `http://127.0.0.1:${record('details-v1').ports[0]}/details/0`;
    assert.equal((await httpGet(details, 3000)).status, 403);
    const r = plexus(home, 'delete', '--home', home, '-f', join(security, 'authorization-allow-nothing.yaml'), '-f', join(security, 'authorization-bookinfo.yaml'));
    assert.equal(r.status, 0, r.stderr);
    let open = 0;
    for (let end = Date.now() + 15_000; Date.now() < end && (open = (await httpGet(details, 3000)).status) !== 200;) await new Promise((res) => setTimeout(res, 250));
    assert.equal(open, 200, 'the policies are gone again');
  });

  it('with STRICT refuses plaintext to a workload inbound port while mesh traffic flows', async () => {
    const inbound = `http://127.0.0.1:${record('details-v1').ports[0]}/details/0`;
    assert.equal((await httpGet(inbound, 3000)).status, 200, 'PERMISSIVE accepts plaintext');
    const r = plexus(home, 'apply', '--home', home, '-f', join(root, 'samples/bookinfo/security/peer-authentication-strict.yaml'));
    assert.equal(r.status, 0, r.stderr);
    await new Promise((res) => setTimeout(res, 2000));
    assert.equal((await httpGet(inbound, 3000)).status, 0, 'plaintext must be refused');
    const body = await page();
    assert.match(body, /class="review"/);
    assert.doesNotMatch(body, /id="(details|reviews)-unavailable"/);
  });

  it('plexus run --capture none exits with the app status and leaves nothing behind', { skip: hasCurl ? false : 'needs curl' }, () => {
    const r = plexus(home, 'run', '--home', home, '--name', 'curler', '--capture', 'none', '--', 'sh', '-c', 'curl -s http://details:9080/details/0 && exit 3');
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout, /"ISBN-10"/);
    assert.ok(!readdirSync(join(home, 'workloads')).some((f) => f.includes('curler')));
    assert.deepEqual(processesOf(home).filter((l) => l.includes('curler')), []);
    const entries = plexus(home, 'get', 'workloadentries', '-n', 'default', '--home', home);
    assert.doesNotMatch(entries.stdout, /curler/);
  });

  it('plexus down stops everything and removes the records', () => {
    const r = plexus(home, 'down', '--home', home);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(processesOf(home), []);
    assert.equal(existsSync(join(home, 'workloads')), false);
  });
});
