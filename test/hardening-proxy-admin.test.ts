// Hardening, proxy admin: in explicit mode every local user shares loopback, and Envoy's admin
// API has no authentication, so another user could stop or drain a sidecar. The admin server
// runs here as a real process (as root, and as uid 1000) and is attacked from other uids with
// setpriv: every state-changing POST must be refused 403 and change nothing, read-only
// endpoints stay open, and the proxy's own user and root keep working.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const SERVER = fileURLToPath(new URL('./support/admin-server-child.js', import.meta.url));
const CLIENT = fileURLToPath(new URL('./support/admin-post-client.js', import.meta.url));
const MUTATING = ['/quitquitquit', '/drain_listeners', '/logging?level=debug', '/healthcheck/fail'];
const ROUNDS = 5;

interface Answer { path: string; status: number; body: string }

/** `setpriv` to `uid` (undefined: stay root) and run the client. */
function asUser(uid: number | undefined, args: string[]): string[] {
  const node = [process.execPath, ...args];
  return uid === undefined ? node : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', ...node];
}

function run(argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv.join(' ')} exited ${code}: ${err}`))));
  });
}

async function post(uid: number | undefined, host: string, port: number, paths: string[], method = 'POST'): Promise<Answer[]> {
  return JSON.parse(await run(asUser(uid, [CLIENT, host, String(port), method, ...paths]))) as Answer[];
}

/** A running admin server child: its port, and what it printed (DRAINED / QUIT lines). */
class AdminChild {
  out = '';
  port = 0;
  private constructor(readonly child: ChildProcess) {}

  static start(uid: number | undefined, host = '127.0.0.1'): Promise<AdminChild> {
    const argv = asUser(uid, [SERVER, host]);
    const c = new AdminChild(spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }));
    c.child.stderr!.resume();
    return new Promise((resolve, reject) => {
      c.child.once('exit', (code) => reject(new Error(`admin child exited ${code}`)));
      c.child.stdout!.on('data', (d: Buffer) => {
        c.out += d.toString();
        const first = /^(\{.*\})$/m.exec(c.out);
        if (first && c.port === 0) {
          c.port = (JSON.parse(first[1]!) as { port: number }).port;
          resolve(c);
        }
      });
    });
  }

  alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  stop(): void {
    if (this.alive()) this.child.kill('SIGKILL');
  }
}

describe('hardening: a sidecar\'s mutating admin endpoints refuse other local users', { timeout: 60_000 }, () => {
  const children: AdminChild[] = [];
  after(() => children.forEach((c) => c.stop()));

  for (const host of ['127.0.0.1', '::1']) {
    it(`refuses ${ROUNDS * MUTATING.length} state-changing POSTs from uid 1000 to a root proxy on ${host}; GETs stay open; root still quits it`, async () => {
      const admin = await AdminChild.start(undefined, host);
      children.push(admin);
      const attacks = (await Promise.all(Array.from({ length: ROUNDS }, () => post(1000, host, admin.port, MUTATING)))).flat();
      assert.equal(attacks.length, ROUNDS * MUTATING.length);
      assert.deepEqual([...new Set(attacks.map((a) => a.status))], [403], JSON.stringify(attacks.slice(0, 2)));
      assert.match(attacks[0]!.body, /forbidden: \/quitquitquit changes the proxy; only its own user \(uid 0\) or root may call it, not uid 1000/);
      assert.ok(admin.alive(), 'the proxy is still running');
      assert.doesNotMatch(admin.out, /DRAINED|QUIT/);
      // Read-only endpoints are open to everyone, as in Envoy.
      const reads = await post(1000, host, admin.port, ['/ready', '/server_info', '/stats', '/config_dump'], 'GET');
      assert.deepEqual(reads.map((r) => r.status), [200, 200, 200, 200]);
      // The owner (root) keeps every mutating endpoint.
      const own = await post(undefined, host, admin.port, ['/logging?level=debug', '/drain_listeners', '/quitquitquit']);
      assert.deepEqual(own.map((r) => r.status), [200, 200, 200]);
      await new Promise<void>((resolve) => (admin.alive() ? admin.child.once('exit', () => resolve()) : resolve()));
      assert.match(admin.out, /DRAINED\nQUIT\n/);
    });
  }

  it('lets a proxy running as uid 1000 be changed by uid 1000 and root, not by uid 1001', async () => {
    const admin = await AdminChild.start(1000);
    children.push(admin);
    const other = await post(1001, '127.0.0.1', admin.port, ['/drain_listeners', '/quitquitquit']);
    assert.deepEqual(other.map((r) => r.status), [403, 403]);
    assert.match(other[0]!.body, /only its own user \(uid 1000\) or root may call it, not uid 1001/);
    const same = await post(1000, '127.0.0.1', admin.port, ['/drain_listeners']);
    assert.deepEqual(same.map((r) => r.status), [200]);
    const root = await post(undefined, '127.0.0.1', admin.port, ['/drain_listeners', '/quitquitquit']);
    assert.deepEqual(root.map((r) => r.status), [200, 200]);
    await new Promise<void>((resolve) => (admin.alive() ? admin.child.once('exit', () => resolve()) : resolve()));
    assert.equal(admin.out.match(/DRAINED/g)?.length, 2);
  });
});
