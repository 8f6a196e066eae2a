// The local mesh for the security tests: a controller on a temp PLEXUS_HOME (pod mode: the
// shared fixed ports and bridge plexus0, as `plexus up`; explicit mode: ports of its own, so it
// may run beside another mesh), workloads started with `plexus run`, policies applied and
// deleted with `plexus apply` / `plexus delete`, and a client workload to make requests from.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureSupport } from '../../src/agent/capture-support.js';
import { httpGet } from '../../src/agent/http-probe.js';
import type { WorkloadRecord } from '../../src/agent/workload-record.js';
import { startBackgroundController } from '../../src/cli/local-controller.js';
import { plexusArgv } from '../../src/cli/self-command.js';
import { podCommand } from '../../src/runtime/pod-exec.js';
import { skipOutsideCi } from '../runtime-support.js';
import type { ClientSpec, GrpcResult, HttpCall, HttpResult, TcpResult } from './security-client-app.js';

/** Pods with capture (the shared local mesh) or explicit mode (loopback, no capture). */
export type MeshMode = 'pods' | 'explicit';

const SUPPORT = fileURLToPath(new URL('./', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The uid/gid apps run as in pods (plexus run's default). */
const APP_UID = 1000;

/** The path of a compiled test app beside this file. */
export function appPath(name: 'httpbin' | 'tcp-echo' | 'ext-authz' | 'client'): string {
  return join(SUPPORT, `security-${name}-app.js`);
}

/** Why pod-mode tests cannot run here (undefined when they can); CI must run them. */
export function podsSkipReason(): string | undefined {
  const s = captureSupport();
  return skipOutsideCi(s.pods ? undefined : `needs pods: ${s.reason}`);
}

/** The result of a CLI call. */
export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** How many results had each status: `{ 200: 20 }`; status 0 = no response. */
export function countStatuses(results: readonly HttpResult[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of results) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

/** Options of a workload started with `plexus run`. */
export interface RunOptions {
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly ports?: readonly number[];
  readonly forwards?: readonly string[];
  readonly command: readonly string[];
  /** How to know the app serves: an HTTP GET or a TCP echo on its first port, or nothing. */
  readonly probe?: 'http' | 'tcp' | 'none';
}

/** A workload started by the test. */
export interface Workload {
  readonly namespace: string;
  readonly name: string;
  readonly record: () => WorkloadRecord;
  /** The workload's address and its registered port for declared port index `i` (as peers reach it). */
  readonly endpoint: (i?: number) => { host: string; port: number };
}

/** A mesh on a temp home; `down()` removes everything it started. */
export class SecurityMesh {
  private readonly children: ChildProcess[] = [];
  private seq = 0;

  private constructor(readonly mode: MeshMode, readonly home: string) {}

  /** Starts the controller: pod mode via `plexus up --capture iptables`, explicit on ports of its own. */
  static async start(mode: MeshMode): Promise<SecurityMesh> {
    const home = mkdtempSync(join(tmpdir(), `plexus-sec-${mode}-`));
    const mesh = new SecurityMesh(mode, home);
    try {
      if (mode === 'pods') {
        const r = await mesh.cli('up', '--capture', 'iptables');
        assert.equal(r.status, 0, `plexus up: ${r.stdout}\n${r.stderr}`);
      } else {
        await startBackgroundController(home, ['--admin-port', '0', '--xds-port', '0', '--xds-tls-port', '0', '--monitoring-port', '0']);
      }
    } catch (err) {
      // Whatever a half-started mesh left (bridge, controller) goes before the failure is reported.
      await mesh.down();
      throw err;
    }
    return mesh;
  }

  /** Runs `plexus ARGS --home HOME` to completion (async: in-process servers keep serving). */
  cli(...args: string[]): Promise<CliResult> {
    const [file, ...argv] = plexusArgv([...args, '--home', this.home]);
    return new Promise((resolve) => {
      const child = spawn(file!, argv, { cwd: ROOT, env: { ...process.env, PLEXUS_HOME: this.home, ...(this.mode === 'explicit' ? { PLEXUS_CAPTURE: 'none' } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
  }

  private writeYaml(yaml: string): string {
    const file = join(this.home, `objects-${++this.seq}.yaml`);
    writeFileSync(file, yaml);
    return file;
  }

  /** `plexus apply -f` of `yaml`; fails the test on a refusal. */
  async apply(yaml: string): Promise<CliResult> {
    const r = await this.cli('apply', '-f', this.writeYaml(yaml));
    assert.equal(r.status, 0, `plexus apply refused:\n${yaml}\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** `plexus delete -f` of `yaml` (missing objects are fine). */
  async remove(yaml: string): Promise<void> {
    const r = await this.cli('delete', '--ignore-not-found', '-f', this.writeYaml(yaml));
    assert.equal(r.status, 0, `plexus delete failed:\n${r.stdout}\n${r.stderr}`);
  }

  /** Applies `yaml`, runs `body`, then deletes it again (also when `body` fails). */
  async withPolicy<T>(yaml: string, body: () => Promise<T>): Promise<T> {
    await this.apply(yaml);
    try {
      return await body();
    } finally {
      await this.remove(yaml);
    }
  }

  private recordPath(kind: 'workload' | 'gateway', namespace: string, name: string): string {
    return join(this.home, 'workloads', `${kind}.${namespace}.${name}.json`);
  }

  /** Reads a workload's (or gateway's) record. */
  record(namespace: string, name: string, kind: 'workload' | 'gateway' = 'workload'): WorkloadRecord {
    return JSON.parse(readFileSync(this.recordPath(kind, namespace, name), 'utf8')) as WorkloadRecord;
  }

  private background(args: readonly string[], log: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
    mkdirSync(join(this.home, 'logs'), { recursive: true });
    const fd = openSync(join(this.home, 'logs', log), 'a');
    const [file, ...argv] = plexusArgv([...args, '--home', this.home]);
    const child = spawn(file!, argv, { cwd: ROOT, stdio: ['ignore', fd, fd], env: { ...process.env, PLEXUS_HOME: this.home, ...env } });
    closeSync(fd);
    this.children.push(child);
    return child;
  }

  /** Starts a workload with `plexus run` in the background and waits until its app serves. */
  async run(o: RunOptions): Promise<Workload> {
    const args = ['run', '-n', o.namespace, '--name', o.name, '--service-account', o.serviceAccount ?? o.name,
      '--capture', this.mode === 'pods' ? 'iptables' : 'none'];
    const labels = { app: o.name, ...o.labels };
    args.push('--labels', Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','));
    if (o.ports?.length) args.push('--port', o.ports.join(','));
    for (const f of o.forwards ?? []) args.push('--forward', f);
    const child = this.background([...args, '--', ...o.command], `${o.namespace}.${o.name}.run.log`);
    const file = this.recordPath('workload', o.namespace, o.name);
    await until(`${o.namespace}/${o.name} to start its app`, 45_000, () => {
      if (child.exitCode !== null) throw new Error(`plexus run ${o.namespace}/${o.name} exited ${child.exitCode}; see ${join(this.home, 'logs')}`);
      return existsSync(file) && this.record(o.namespace, o.name).appPid !== undefined;
    });
    const workload: Workload = {
      namespace: o.namespace,
      name: o.name,
      record: () => this.record(o.namespace, o.name),
      endpoint: (i = 0) => {
        const r = this.record(o.namespace, o.name);
        return { host: r.address, port: this.mode === 'pods' ? o.ports![i]! : r.ports[i]! };
      },
    };
    const probe = o.probe ?? 'none';
    if (probe !== 'none') {
      const { host, port } = workload.endpoint(0);
      await until(`${o.namespace}/${o.name} to serve on ${host}:${port}`, 20_000, async () =>
        probe === 'http' ? (await httpGet(`http://${host}:${port}/`, 1000)).status > 0 : tcpAnswers(host, port));
    }
    return workload;
  }

  /** Starts an idle client workload (Istio's sleep) and returns the client to request from. */
  async client(namespace: string, name: string, opts: { serviceAccount?: string; forwards?: readonly string[] } = {}): Promise<MeshClient> {
    const env = join(this.home, `env.${namespace}.${name}.json`);
    await this.run({
      namespace, name, command: [process.execPath, appPath('client'), ...(this.mode === 'pods' ? ['--idle'] : ['--serve-env', env])], probe: 'none',
      ...(opts.serviceAccount ? { serviceAccount: opts.serviceAccount } : {}), ...(opts.forwards ? { forwards: opts.forwards } : {}),
    });
    if (this.mode === 'explicit') await until(`${name}'s environment`, 15_000, () => existsSync(env));
    return new MeshClient(this, namespace, name, this.mode === 'explicit' ? JSON.parse(readFileSync(env, 'utf8')) as Record<string, string> : {});
  }

  /** Starts `plexus gateway run` in the background and waits until its proxy runs. */
  async gateway(name: string, ports: string, namespace = 'istio-system'): Promise<void> {
    const child = this.background(['gateway', 'run', '--name', name, '-n', namespace, '--port', ports], `gateway.${namespace}.${name}.log`);
    const file = this.recordPath('gateway', namespace, name);
    await until(`gateway ${name}`, 30_000, () => {
      if (child.exitCode !== null) throw new Error(`plexus gateway run exited ${child.exitCode}`);
      return existsSync(file);
    });
  }

  /** The sidecar's Envoy-style admin /stats text of a workload. */
  async adminStats(w: Workload): Promise<string> {
    const r = w.record();
    if (this.mode === 'pods') {
      const out = await runClientIn(r.netns!, { calls: [{ kind: 'http', url: 'http://127.0.0.1:15000/stats' }] });
      return (out[0] as HttpResult[])[0]!.body;
    }
    const cmdline = readFileSync(`/proc/${r.proxyPid}/cmdline`, 'utf8').split('\0');
    const port = cmdline[cmdline.indexOf('--admin-port') + 1];
    return (await httpGet(`http://127.0.0.1:${port}/stats`, 3000)).body;
  }

  /** Stops every workload and gateway (`plexus down`) and removes the home. */
  async down(): Promise<void> {
    const r = await this.cli('down');
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (r.status !== 0) process.stderr.write(`plexus down: ${r.stdout}\n${r.stderr}\n`);
    if (!process.env.PLEXUS_E2E_KEEP) rmSync(this.home, { recursive: true, force: true });
  }
}

/** Runs the client app in a pod as the app's uid and returns its results. */
function runClientIn(netns: string, spec: ClientSpec, timeoutMs = 60_000): Promise<Array<HttpResult[] | TcpResult[] | GrpcResult[]>> {
  const { file, args } = podCommand(netns, [process.execPath, appPath('client'), JSON.stringify(spec)], { uid: APP_UID, gid: APP_UID });
  return runClientProcess(file, args, timeoutMs);
}

function runClientProcess(file: string, args: readonly string[], timeoutMs: number): Promise<Array<HttpResult[] | TcpResult[] | GrpcResult[]>> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`client exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as Array<HttpResult[] | TcpResult[] | GrpcResult[]>);
    });
  });
}

/** Options of an HTTP request from the client. */
export interface RequestOptions {
  readonly n?: number;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly rawPath?: string;
}

/** A client workload: requests leave through its sidecar with its identity. */
export class MeshClient {
  constructor(private readonly mesh: SecurityMesh, readonly namespace: string, readonly name: string, private readonly env: Record<string, string>) {}

  private async exec(spec: ClientSpec): Promise<Array<HttpResult[] | TcpResult[] | GrpcResult[]>> {
    if (this.mesh.mode === 'pods') return runClientIn(this.mesh.record(this.namespace, this.name).netns!, spec);
    return runClientProcess(process.execPath, [appPath('client'), JSON.stringify({ ...spec, proxy: this.env.HTTP_PROXY })], 60_000);
  }

  /** `n` requests (default 1) to `url`, each on a new connection. */
  async http(url: string, o: RequestOptions = {}): Promise<HttpResult[]> {
    const call: HttpCall = { kind: 'http', url, n: o.n ?? 1, ...(o.method ? { method: o.method } : {}), ...(o.headers ? { headers: o.headers } : {}), ...(o.rawPath !== undefined ? { rawPath: o.rawPath } : {}) };
    return (await this.exec({ calls: [call] }))[0] as HttpResult[];
  }

  /** `n` requests and their status counts. */
  async statuses(url: string, o: RequestOptions = {}): Promise<Record<number, number>> {
    return countStatuses(await this.http(url, o));
  }

  /** `n` TCP exchanges with `host:port` (explicit mode: through the forward given at start). */
  async tcp(host: string, port: number, message: string, n = 1): Promise<TcpResult[]> {
    let target = { host, port };
    if (this.mesh.mode === 'explicit') {
      // The forward's variable names the host as given to --forward, or the Service's name.
      const names = [host, host.split('.')[0]!].map((h) => `PLEXUS_FORWARD_${h.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${port}`);
      const v = names.map((n) => this.env[n]).find(Boolean);
      if (!v) throw new Error(`${this.name} has no forward for ${host}:${port}`);
      const [h, p] = v.split(':');
      target = { host: h!, port: Number(p) };
    }
    return (await this.exec({ calls: [{ kind: 'tcp', ...target, message, n }] }))[0] as TcpResult[];
  }

  /** `n` gRPC Check calls to `host:port` (pods: through capture, by name). */
  async grpc(host: string, port: number, n = 1): Promise<GrpcResult[]> {
    return (await this.exec({ calls: [{ kind: 'grpc', host, port, n }] }))[0] as GrpcResult[];
  }

  /** Polls until `url` answers `status` (after a config change reached every proxy on the way). */
  async waitForStatus(url: string, status: number, timeoutMs = 20_000, o: RequestOptions = {}): Promise<void> {
    let last: HttpResult | undefined;
    try {
      await until(`${url} → ${status}`, timeoutMs, async () => {
        last = (await this.http(url, o))[0];
        return last?.status === status;
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}; last: ${last?.status} ${last?.body.slice(0, 200)} ${last?.error ?? ''}`);
    }
  }

  /**
   * Starts polling `url` (status `from`), then runs `change` once polling saw `from`, and
   * resolves with the ms from the start of `change` and from its return to the first `to`.
   */
  async timeChange(url: string, from: number, to: number, change: () => Promise<unknown>, o: RequestOptions = {}): Promise<{ fromStart: number; fromReturn: number }> {
    const spec: ClientSpec = { calls: [], watch: { kind: 'watch', url, from, to, timeoutMs: 20_000, ...(o.headers ? { headers: o.headers } : {}) } };
    const [file, args] = this.mesh.mode === 'pods'
      ? ((c) => [c.file, c.args] as const)(podCommand(this.mesh.record(this.namespace, this.name).netns!, [process.execPath, appPath('client'), JSON.stringify(spec)], { uid: APP_UID, gid: APP_UID }))
      : [process.execPath, [appPath('client'), JSON.stringify({ ...spec, proxy: this.env.HTTP_PROXY })]] as const;
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    const exited = new Promise<void>((r) => child.on('close', () => r()));
    try {
      await until(`${url} → ${from} before the change`, 20_000, () => stdout.includes('READY\n'));
      const started = Date.now();
      await change();
      const returned = Date.now();
      await exited;
      const last = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { changedAt?: number; last?: number };
      if (last.changedAt === undefined) throw new Error(`${url} never turned ${to} (last ${last.last})`);
      return { fromStart: last.changedAt - started, fromReturn: last.changedAt - returned };
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }
}

function tcpAnswers(host: string, port: number): Promise<boolean> {
  return import('node:net').then(({ connect }) => new Promise<boolean>((resolve) => {
    const s = connect(port, host, () => s.write('ping\n'));
    s.setTimeout(1000, () => s.destroy());
    s.on('data', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
    s.on('close', () => resolve(false));
  }));
}

/** Pod-network pieces and Plexus processes of `home` still present (must be none after `down`). */
export function podLeftovers(home: string): string[] {
  const sh = (cmd: string): string[] => (spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);
  return [
    ...sh('ip netns list').filter((l) => l.startsWith('plexus-')).map((l) => `netns ${l}`),
    ...sh('ip -o link show').filter((l) => /\bplexus(0|v[0-9a-f]+)\b/.test(l)).map((l) => `link ${l.split(':')[1]?.trim()}`),
    ...[...sh('iptables-save'), ...sh('iptables-save -t nat')].filter((l) => l.includes('PLEXUS_')).map((l) => `rule ${l}`),
    ...sh('ps -eo args').filter((l) => l.includes('plexus-bin.js') && l.includes(home)).map((l) => `process ${l}`),
  ];
}

/** Polls `check` every 200 ms until true or `timeoutMs`; throws naming `what`. */
export async function until(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
