// The mesh the proxy end-to-end tests run in: a real `plexus controller` (host namespace, temp
// home), and pods — network namespaces with Istio's iptables capture (src/runtime) — each with
// a real `plexus proxy` sidecar (uid 1337, configured over xDS, certificate from the mesh CA
// via token) next to its app. Pod `web` is the client: its app is a relay the test drives
// through a unix socket, so every test connection leaves the client pod exactly as an app's
// would (captured to 15001, SO_ORIGINAL_DST). Pods `echo-v1`/`echo-v2` run the upstream apps
// and are reached through their sidecar's 15006. Nothing is remapped or special-cased: the
// proxies run with the same flags and listeners as in `plexus run`.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupLeftovers } from '../src/runtime/cleanup-leftovers.js';
import { installCapture } from '../src/runtime/iptables-capture.js';
import { originalDstStatus } from '../src/runtime/original-dst.js';
import { spawnInPod } from '../src/runtime/pod-exec.js';
import { PodNetwork, type PodRecord } from '../src/runtime/pod-network.js';
import { ControllerProcess, plexus, type CliRun } from './support/controller-process.js';
import { APP_PORTS } from './proxy-e2e-echo-service.js';
import { leftoversWithPrefix, namespaceTestsSkipReason, skipOutsideCi } from './runtime-support.js';

/** Why these tests cannot run here (no root, no iptables, no addon), or undefined. */
export function e2eSkipReason(): string | undefined {
  const ns = namespaceTestsSkipReason();
  if (ns) return ns;
  const addon = originalDstStatus();
  return skipOutsideCi(addon.available ? undefined : addon.reason);
}

const APP = { uid: 1000, gid: 1000 };
const PROXY = { uid: 1337, gid: 1337 };
const MAIN = new URL('../src/cli/main.js', import.meta.url).href;
const ENTRY = `const { main, processIO } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1), processIO);`;
const APPS = fileURLToPath(new URL('./proxy-e2e-apps.js', import.meta.url));
const RELAY = fileURLToPath(new URL('./proxy-e2e-relay.js', import.meta.url));

/** One process started in a pod, with the tail of its output kept for failure messages. */
export interface PodProcess {
  readonly name: string;
  readonly child: ChildProcess;
  log: string;
}

/** A pod with its sidecar. */
export interface MeshPod {
  readonly name: string;
  readonly record: PodRecord;
  readonly serviceAccount: string;
  readonly labels: Record<string, string>;
  proxy?: PodProcess;
}

/** Options of {@link E2eMesh.start}. */
export interface E2eMeshOptions {
  /** Runtime prefix (namespaces, veths, chains); unique per test file. */
  readonly prefix: string;
  /** Third octet of the pod network `198.18.<octet>.0/24`; VIP range `198.19.<octet>.0/24`. */
  readonly octet: number;
  /** Extra YAML applied with the base objects. */
  readonly extraConfig?: string;
  /** Give the echo WorkloadEntries service account `echo` (auto mTLS between sidecars). */
  readonly mtls?: boolean;
  /** Extra `plexus proxy` flags for every sidecar. */
  readonly proxyFlags?: readonly string[];
}

function keepTail(p: PodProcess, d: Buffer): void {
  p.log = (p.log + d.toString()).slice(-40_000);
}

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, detail: () => string = () => ''): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    if (Date.now() > end) throw new Error(`${what} not reached in ${timeoutMs} ms\n${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The Service, WorkloadEntries and subsets every e2e test starts from. */
function baseConfig(vip: string, v1: string, v2: string, web: string, mtls: boolean): string {
  const entry = (name: string, address: string, labels: Record<string, string>, sa: string): string =>
    `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: ${name}, namespace: default }
spec:
  address: ${address}
${mtls ? `  serviceAccount: ${sa}\n` : ''}  labels: ${JSON.stringify(labels)}
`;
  return `apiVersion: v1
kind: Service
metadata: { name: echo, namespace: default }
spec:
  clusterIP: ${vip}
  selector: { app: echo }
  ports:
  - { name: http, port: ${APP_PORTS.http} }
  - { name: http2, port: ${APP_PORTS.h2c} }
  - { name: grpc, port: ${APP_PORTS.grpc} }
  - { name: tcp, port: ${APP_PORTS.tcp} }
  - { name: tls, port: ${APP_PORTS.tls} }
---
${entry('echo-v1', v1, { app: 'echo', version: 'v1' }, 'echo')}---
${entry('echo-v2', v2, { app: 'echo', version: 'v2' }, 'echo')}---
${entry('web', web, { app: 'web', version: 'v1' }, 'web')}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: echo, namespace: default }
spec:
  host: echo.default.svc.cluster.local
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
`;
}

/**
 * The whole mesh of one test file. `start` builds it; `stop` removes every process, pod, rule
 * and file (and checks nothing with the prefix is left).
 */
export class E2eMesh {
  readonly processes: PodProcess[] = [];
  readonly pods: Record<'web' | 'v1' | 'v2', MeshPod> = {} as Record<'web' | 'v1' | 'v2', MeshPod>;
  controller!: ControllerProcess;
  network!: PodNetwork;
  /** The echo Service's VIP. */
  vip = '';
  home = '';
  /** The passthrough app's self-signed certificate (clients pin it: nobody else can answer). */
  tlsCert = '';
  private dir = '';
  private relayPath = '';
  private readonly forwarders: Server[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(readonly opts: E2eMeshOptions) {}

  static async start(opts: E2eMeshOptions): Promise<E2eMesh> {
    const mesh = new E2eMesh(opts);
    try {
      await mesh.build();
    } catch (err) {
      await mesh.stop().catch(() => undefined);
      throw err;
    }
    return mesh;
  }

  private async build(): Promise<void> {
    const { prefix, octet } = this.opts;
    this.dir = await mkdtemp(join(tmpdir(), `plexus-e2e-${prefix}-`));
    // Pods run as other users: they must reach the relay socket and the TLS material.
    chmodSync(this.dir, 0o755);
    this.home = join(this.dir, 'home');
    const stateDir = join(this.dir, 'runtime');
    await cleanupLeftovers(stateDir, { prefix });
    this.network = new PodNetwork({ stateDir, prefix, podCidr: `198.18.${octet}.0/24`, vipCidr: `198.19.${octet}.0/24` });
    const pod = async (key: 'web' | 'v1' | 'v2', name: string, sa: string, labels: Record<string, string>): Promise<void> => {
      const record = await this.network.createPod({ namespace: 'default', name });
      this.pods[key] = { name, record, serviceAccount: sa, labels };
    };
    await pod('web', 'web', 'web', { app: 'web', version: 'v1' });
    await pod('v1', 'echo-v1', 'echo', { app: 'echo', version: 'v1' });
    await pod('v2', 'echo-v2', 'echo', { app: 'echo', version: 'v2' });
    this.vip = `198.19.${octet}.10`;
    const gateway = this.pods.web.record.gateway;
    this.controller = await ControllerProcess.start(this.home, ['--xds-address', gateway]);
    await this.apply(baseConfig(this.vip, this.pods.v1.record.address, this.pods.v2.record.address, this.pods.web.record.address, this.opts.mtls === true) + (this.opts.extraConfig ? `---\n${this.opts.extraConfig}` : ''));
    // TLS material of the passthrough upstream (its own CA: the mesh never terminates it).
    const key = join(this.dir, 'tls-key.pem');
    const cert = join(this.dir, 'tls-cert.pem');
    await runTool('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=echo.example.com', '-addext', 'subjectAltName=DNS:echo.example.com']);
    const { readFileSync } = await import('node:fs');
    const tlsArgs = { tlsKey: readFileSync(key, 'utf8'), tlsCert: readFileSync(cert, 'utf8') };
    this.tlsCert = tlsArgs.tlsCert;
    for (const p of Object.values(this.pods)) await installCapture(p.record.netns);
    const sockDir = join(this.dir, 'sock');
    mkdirSync(sockDir);
    chmodSync(sockDir, 0o777);
    this.relayPath = join(sockDir, 'relay.sock');
    await this.startInPod(this.pods.web, 'relay', [process.execPath, RELAY, this.relayPath], APP, true);
    await this.startInPod(this.pods.v1, 'apps-v1', [process.execPath, APPS, JSON.stringify({ name: 'v1', ...tlsArgs })], APP, true);
    await this.startInPod(this.pods.v2, 'apps-v2', [process.execPath, APPS, JSON.stringify({ name: 'v2', ...tlsArgs })], APP, true);
    await Promise.all(Object.values(this.pods).map((p) => this.startProxy(p)));
  }

  /** Starts (or restarts) a pod's sidecar and waits until its 15021 says ready. */
  async startProxy(p: MeshPod): Promise<void> {
    const token = await this.token(p.serviceAccount);
    const args = [
      '--input-type=module', '-e', ENTRY, 'proxy',
      '--controller', `${p.record.gateway}:${this.controller.ports.xds}`,
      '--token', token,
      '--namespace', 'default', '--service-account', p.serviceAccount,
      '--pod-name', p.name, '--workload-name', p.name, '--ip', p.record.address,
      '--labels', Object.entries(p.labels).map(([k, v]) => `${k}=${v}`).join(','),
      '--drain-timeout', '2s', '--log-level', process.env.PLEXUS_LOG_LEVEL ?? 'info',
      // As `plexus run` starts pod sidecars: the pod's own app (the relay) may POST to the admin.
      '--admin-mutations', 'anyone',
      ...(this.opts.proxyFlags ?? []),
    ];
    p.proxy = await this.startInPod(p, `proxy-${p.name}`, [process.execPath, ...args], PROXY, false);
    await waitUntil(`${p.name} sidecar ready`, async () => (await fetch(`http://${p.record.address}:15021/healthz/ready`)).status === 200, 20_000, () => p.proxy?.log.slice(-4000) ?? '');
  }

  private async startInPod(p: MeshPod, name: string, argv: string[], who: { uid: number; gid: number }, waitReadyLine: boolean): Promise<PodProcess> {
    const child = spawnInPod(p.record.netns, argv, who, { stdio: ['ignore', 'pipe', 'pipe'] });
    const proc: PodProcess = { name, child, log: '' };
    child.stdout!.on('data', (d: Buffer) => keepTail(proc, d));
    child.stderr!.on('data', (d: Buffer) => keepTail(proc, d));
    this.processes.push(proc);
    if (waitReadyLine) await waitUntil(`${name} READY`, () => proc.log.includes('READY'), 10_000, () => proc.log);
    return proc;
  }

  /** A workload bootstrap token from the controller's CA. */
  async token(serviceAccount: string): Promise<string> {
    const run = await plexus(['x', 'ca', 'token', '-n', 'default', '--sa', serviceAccount, '--home', this.home, '-o', 'json']);
    if (run.code !== 0) throw new Error(`token: ${run.stderr}`);
    return (JSON.parse(run.stdout) as { token: string }).token;
  }

  /** `plexus apply -f` of a YAML text; throws with the CLI's output when it fails. */
  async apply(yaml: string): Promise<CliRun> {
    const file = join(this.dir, `apply-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    const run = await plexus(['apply', '-f', file, '--home', this.home]);
    if (run.code !== 0) throw new Error(`plexus apply failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
    return run;
  }

  /** `plexus delete` of objects named `kind/name`. */
  async delete(kindName: string): Promise<void> {
    const run = await plexus(['delete', kindName, '--home', this.home]);
    if (run.code !== 0) throw new Error(`plexus delete failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
  }

  /**
   * A loopback port on the host that opens a connection from inside the client pod to
   * `target` (`host:port`) — a port-forward through the pod's outbound capture.
   */
  async forward(target: string): Promise<number> {
    const server = createServer({ allowHalfOpen: true }, (down) => {
      this.sockets.add(down);
      const up = connect({ path: this.relayPath, allowHalfOpen: true });
      this.sockets.add(up);
      up.write(`${target}\n`);
      down.pipe(up);
      up.pipe(down);
      down.on('error', () => up.destroy());
      up.on('error', () => down.destroy());
      down.on('close', (hadError) => { this.sockets.delete(down); if (hadError) up.destroy(); });
      up.on('close', (hadError) => { this.sockets.delete(up); if (hadError) down.destroy(); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    this.forwarders.push(server);
    return (server.address() as { port: number }).port;
  }

  /** Proxy logs, for assertion messages. */
  logs(): string {
    return this.processes.map((p) => `--- ${p.name}\n${p.log.slice(-3000)}`).join('\n');
  }

  /** Stops everything and removes every kernel object and file this mesh made. */
  async stop(): Promise<string[]> {
    for (const s of this.sockets) s.destroy();
    for (const f of this.forwarders) f.close();
    await Promise.all(this.processes.map((p) => stopChild(p.child)));
    await this.controller?.stop();
    let left: string[] = [];
    if (this.network) {
      await this.network.teardown().catch(() => undefined);
      await cleanupLeftovers(join(this.dir, 'runtime'), { prefix: this.opts.prefix }).catch(() => undefined);
      left = await leftoversWithPrefix(this.opts.prefix);
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    return left;
  }
}

/** SIGTERM, then SIGKILL after 5 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

function runTool(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} failed: ${err}`))));
  });
}

/** Retries `check` until it holds (config propagation), then resolves. */
export { waitUntil };
