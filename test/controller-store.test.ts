// End to end: `plexus controller` as a real child process on a temporary home, driven by
// `plexus apply/get/delete` as real child processes, talking over loopback.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

// The CLI compiled next to this test (dist/ or any other outDir), run without bin/plexus.js.
const MAIN = new URL('../src/cli/main.js', import.meta.url).href;
const ENTRY = `const { main, processIO } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1), processIO);`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--input-type=module', '-e', ENTRY, ...args], {
    env: { ...process.env, PLEXUS_HOME: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function plexus(args: string[], stdin = '', env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = start(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin!.end(stdin);
  });
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const GOOD = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
`;

// The first document is fine; the second has an invalid name on line 15.
const BAD = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts: [ratings]
  http:
  - route:
    - destination:
        host: ratings
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: Bad_Name
spec:
  hosts: [x]
  http:
  - route:
    - destination:
        host: x
`;

describe('plexus controller with apply, get and delete', () => {
  let dir: string;
  let home: string;
  let controller: ChildProcess | undefined;
  let controllerLog = '';
  const h = (...args: string[]): string[] => [...args, '--home', home];

  const startController = async (): Promise<ChildProcess> => {
    const child = start(['controller', '--home', home, '--admin-port', '0', '--xds-port', '0', '--xds-tls-port', '0', '--monitoring-port', '0', '--log-level', 'info']);
    child.stderr!.on('data', (d: Buffer) => (controllerLog += d.toString()));
    child.stdout!.resume();
    await until('controller.json', async () => {
      if (child.exitCode !== null) throw new Error(`controller exited early:\n${controllerLog}`);
      return existsSync(join(home, 'controller.json')) && controllerLog.includes('controller ready') ? true : undefined;
    });
    return child;
  };
  const stopController = async (child: ChildProcess): Promise<number | null> => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-controller-'));
    home = join(dir, 'home');
    await writeFile(join(dir, 'good.yaml'), GOOD);
    await writeFile(join(dir, 'bad.yaml'), BAD);
  });
  after(async () => {
    if (controller && controller.exitCode === null) await stopController(controller);
    await rm(dir, { recursive: true, force: true });
  });

  it('explains that no controller runs', async () => {
    const r = await plexus(h('get', 'vs'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no Plexus controller is running for .*home.*plexus controller/);
    assert.match(r.stderr, /PLEXUS_ERR_CONTROLLER_UNREACHABLE/);
  });

  it('starts, publishes controller.json and a 0600 token', async () => {
    controller = await startController();
    const info = JSON.parse(await readFile(join(home, 'controller.json'), 'utf8')) as { pid: number; admin: { host: string; port: number } };
    assert.equal(info.pid, controller.pid);
    assert.equal(info.admin.host, '127.0.0.1');
    assert.ok(info.admin.port > 0);
    assert.equal((await stat(join(home, 'admin-token'))).mode & 0o777, 0o600);
    const second = await plexus(['controller', '--home', home, '--admin-port', '0', '--xds-port', '0', '--xds-tls-port', '0', '--monitoring-port', '0']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /PLEXUS_ERR_CONTROLLER_RUNNING/);
  });

  it('applies: created, then unchanged; --dry-run changes nothing', async () => {
    const first = await plexus(h('apply', '-f', join(dir, 'good.yaml')));
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'virtualservice.networking.istio.io/reviews created\ndestinationrule.networking.istio.io/reviews created\n');
    const again = await plexus(h('apply', '-f', join(dir, 'good.yaml')));
    assert.equal(again.stdout, 'virtualservice.networking.istio.io/reviews unchanged\ndestinationrule.networking.istio.io/reviews unchanged\n');
    const dry = await plexus(h('apply', '-f', '-', '--dry-run'), GOOD.replace(/reviews/g, 'details'));
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /virtualservice\.networking\.istio\.io\/details created \(server dry run\)/);
    assert.equal((await plexus(h('get', 'vs', 'details'))).code, 1);
  });

  it('refuses a file with an invalid document: FILE:LINE errors, exit 1, nothing applied', async () => {
    const bad = await plexus(h('apply', '-f', join(dir, 'bad.yaml')));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, new RegExp(`${join(dir, 'bad.yaml').replace(/[.]/g, '\\.')}:15: VirtualService Bad_Name: metadata\\.name: invalid name`));
    assert.equal(bad.stdout, '');
    const ratings = await plexus(h('get', 'vs', 'ratings'));
    assert.equal(ratings.code, 1);
    assert.match(ratings.stderr, /virtualservices\.networking\.istio\.io "ratings" not found/);
    assert.equal(existsSync(join(home, 'config', 'default', 'virtualservices.networking.istio.io', 'ratings.yaml')), false);
  });

  it('gets a table, one object as YAML or JSON, and all namespaces', async () => {
    const table = await plexus(h('get', 'virtualservices'));
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME\s+GATEWAYS\s+HOSTS\s+AGE\nreviews\s+\["reviews"\]\s+\d+s\n$/);
    const json = await plexus(h('get', 'vs', 'reviews', '-o', 'json'));
    const obj = JSON.parse(json.stdout) as { metadata: { namespace: string; resourceVersion: string; generation: number } };
    assert.equal(obj.metadata.namespace, 'default');
    assert.equal(obj.metadata.generation, 1);
    const yaml = await plexus(h('get', 'dr', 'reviews', '-o', 'yaml'));
    assert.match(yaml.stdout, /^kind: DestinationRule$/m);
    const all = await plexus(h('get', 'dr', '-A'));
    assert.match(all.stdout, /^NAMESPACE\s+NAME\s+HOST\s+AGE\ndefault\s+reviews\s+reviews\s+\d+s\n$/);
    const none = await plexus(h('get', 'gw', '-n', 'prod'));
    assert.equal(none.code, 0);
    assert.equal(none.stderr, 'No resources found in prod namespace.\n');
  });

  it('serves a file edited by hand in the home directory', async () => {
    const file = join(home, 'config', 'default', 'destinationrules.networking.istio.io', 'reviews.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('host: reviews', 'host: reviews.default.svc.cluster.local'));
    await until('the hand edit', async () => {
      const r = await plexus(h('get', 'dr', 'reviews', '-o', 'json'));
      return (JSON.parse(r.stdout) as { spec: { host: string } }).spec.host === 'reviews.default.svc.cluster.local' ? true : undefined;
    });
  });

  it('keeps objects across a controller restart', async () => {
    assert.equal(await stopController(controller!), 0);
    assert.equal(existsSync(join(home, 'controller.json')), false, 'controller.json is removed on a clean stop');
    const down = await plexus(h('get', 'vs'));
    assert.equal(down.code, 1);
    assert.match(down.stderr, /no Plexus controller is running/);
    controller = await startController();
    const r = await plexus(h('get', 'vs', 'reviews', '-o', 'name'));
    assert.equal(r.stdout, 'virtualservice.networking.istio.io/reviews\n');
  });

  it('deletes by file and by name, reporting what is not there', async () => {
    const byName = await plexus(h('delete', 'vs', 'reviews'));
    assert.equal(byName.code, 0, byName.stderr);
    assert.equal(byName.stdout, 'virtualservice.networking.istio.io "reviews" deleted\n');
    const byFile = await plexus(h('delete', '-f', join(dir, 'good.yaml')));
    assert.equal(byFile.code, 1);
    assert.equal(byFile.stdout, 'destinationrule.networking.istio.io "reviews" deleted\n');
    assert.match(byFile.stderr, /Error from server \(NotFound\): virtualservices\.networking\.istio\.io "reviews" not found/);
    const none = await plexus(h('get', 'vs'));
    assert.equal(none.stderr, 'No resources found in default namespace.\n');
  });

  it('refuses a wrong token', async () => {
    await writeFile(join(home, 'admin-token'), 'wrong\n');
    const r = await plexus(h('get', 'vs'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refused the admin token/);
    assert.match(r.stderr, /PLEXUS_ERR_UNAUTHENTICATED/);
  });

  it('stops cleanly on SIGTERM', async () => {
    assert.equal(await stopController(controller!), 0);
    assert.match(controllerLog, /controller stopped/);
    assert.equal(existsSync(join(home, 'controller.json')), false);
  });
});
