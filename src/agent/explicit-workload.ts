import { forwardSignalsToApp } from './app-signals.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlexusError } from '../api/errors.js';
import { formatForwards } from '../xds/generators/explicit-interception.js';
import { appOrSidecarExit, childExit, stopPid, waitFor } from './child-process-wait.js';
import { workloadForwards, type ForwardPlan, type ForwardRequest } from './explicit-forwards.js';
import { releasePorts } from './free-ports.js';
import { httpGet } from './http-probe.js';
import { sidecarXdsFlags, writeMeshRootFile } from './sidecar-xds-flags.js';
import type { ControllerEndpoint, WorkloadSpec } from './pod-workload.js';
import { registerWorkload, unregisterWorkload } from './workload-entry.js';
import { servicePortNames } from './workload-port-names.js';
import { removeWorkloadRecord, writeWorkloadRecord, type WorkloadRecord } from './workload-record.js';

/** Explicit mode binds everything on loopback: workloads share it, told apart by port. */
const LOOPBACK = '127.0.0.1';

/** A workload in explicit mode: the pod one's spec plus the port forwards asked for. */
export interface ExplicitWorkloadSpec extends WorkloadSpec {
  /** `--forward HOST:PORT[=LOCAL]`: forwards beyond the namespace's services. */
  readonly forwards?: readonly ForwardRequest[];
}

/** One declared port of the workload in explicit mode. */
export interface ExplicitPort {
  /** What `--port` declared (the service's target port). */
  readonly declared: number;
  /** Registered as the WorkloadEntry's port: the sidecar's inbound listener. */
  readonly inbound: number;
  /** Where the app listens (`PORT`, `PLEXUS_PORT_<declared>`). */
  readonly app: number;
}

function logFile(home: string, file: string): number {
  mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o700 });
  return openSync(join(home, 'logs', file), 'a', 0o600);
}

/** SIGKILLs the app's process group (it leads one): children it left behind. */
function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already empty.
  }
}

/**
 * The app's environment: the sidecar as its HTTP proxy, its ports, the pod-like identity
 * variables, and the port forwards' variables (which replace inherited ones of the same name:
 * a `plexus run` started from another workload's app must not pass that app's forwards on).
 */
export function explicitAppEnv(spec: WorkloadSpec, httpProxyPort: number, ports: readonly ExplicitPort[], forwardEnv: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const proxy = `http://${LOOPBACK}:${httpProxyPort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...forwardEnv,
    HTTP_PROXY: proxy, http_proxy: proxy,
    // The app's calls to itself stay direct; everything else goes to the sidecar.
    NO_PROXY: 'localhost,127.0.0.1,::1', no_proxy: 'localhost,127.0.0.1,::1',
    HOST: LOOPBACK,
    POD_NAME: spec.name, POD_NAMESPACE: spec.namespace, INSTANCE_IP: LOOPBACK, SERVICE_ACCOUNT: spec.serviceAccount, HOSTNAME: spec.name,
  };
  if (ports[0]) env.PORT = String(ports[0].app);
  for (const p of ports) env[`PLEXUS_PORT_${p.declared}`] = String(p.app);
  return env;
}

/**
 * Runs one workload in explicit mode (no namespace, no capture: `--capture none`, or when pods
 * are impossible). Every declared port gets two free loopback ports: the inbound one, registered
 * as the WorkloadEntry's port (address 127.0.0.1) so peers' sidecars connect to it, where the
 * sidecar applies PeerAuthentication and forwards to the app's one. The sidecar runs as this
 * user with `INTERCEPTION_MODE: NONE` and an HTTP proxy listener the app reaches through
 * `HTTP_PROXY`, plus a loopback port forward per service port of the namespace (and per
 * `--forward`), announced to the app in Kubernetes' service variables. The lifecycle is the
 * pod one's: token, sidecar, readiness, app; signals to the app; when it exits the sidecar
 * drains and entry, token and record are removed.
 */
export async function runExplicitWorkload(spec: ExplicitWorkloadSpec, controller: ControllerEndpoint): Promise<number> {
  const log = spec.logger;
  let proxy: ChildProcess | undefined;
  let app: ChildProcess | undefined;
  let registered = false;
  let tokenFile: string | undefined;
  let rootFile: string | undefined;
  let record: WorkloadRecord | undefined;
  const signals = forwardSignalsToApp(() => app);
  const reservations = join(spec.home, 'runtime', 'ports');
  let claimed: number[] = [];
  try {
    const allocated = await workloadForwards(controller.admin, spec.namespace, spec.forwards ?? [], 3 + 2 * spec.ports.length, reservations);
    claimed = [...allocated.ports, ...allocated.plan.forwards.map((f) => f.local)];
    const forwards: ForwardPlan = allocated.plan;
    for (const name of forwards.collisions) log.warn({ variable: name }, 'two port forwards claim this variable; the first keeps it');
    const [httpProxyPort, readinessPort, adminPort, ...rest] = allocated.ports;
    const ports: ExplicitPort[] = spec.ports.map((declared, i) => ({ declared, inbound: rest[2 * i]!, app: rest[2 * i + 1]! }));
    record = {
      kind: 'workload', namespace: spec.namespace, name: spec.name, mode: 'explicit', pid: process.pid, address: LOOPBACK,
      serviceAccount: spec.serviceAccount, ports: ports.map((p) => p.inbound), readiness: `http://${LOOPBACK}:${readinessPort}/healthz/ready`, startedAt: new Date().toISOString(),
    };
    writeWorkloadRecord(spec.home, record);
    // The entry's ports are keyed by service port name: the names of the ports that target each declared one.
    const entryPorts: Record<string, number> = {};
    for (const p of ports) {
      const names = await servicePortNames(controller.admin, spec.namespace, spec.labels, p.declared);
      if (names.length === 0) log.warn({ port: p.declared }, 'no Service port selects this workload port yet; peers will not find its allocated port');
      for (const n of names) entryPorts[n] = p.inbound;
    }
    await registerWorkload(controller.admin, { namespace: spec.namespace, name: spec.name, address: LOOPBACK, serviceAccount: spec.serviceAccount, labels: spec.labels, ports: entryPorts });
    registered = true;
    const { token } = await controller.admin.mintToken({ namespace: spec.namespace, serviceAccount: spec.serviceAccount, ttl: 24 * 3600, workload: spec.name });
    const tokenDir = join(spec.home, 'runtime', 'tokens');
    mkdirSync(tokenDir, { recursive: true, mode: 0o700 });
    tokenFile = join(tokenDir, `workload.${spec.namespace}.${spec.name}.token`);
    writeFileSync(tokenFile, token, { mode: 0o600 });
    rootFile = writeMeshRootFile(spec.home, join(tokenDir, `workload.${spec.namespace}.${spec.name}.root-cert.pem`));
    if (signals.interrupted) return 128 + 15;

    const [file, ...argv] = spec.plexusArgv([
      'proxy', ...sidecarXdsFlags({ host: LOOPBACK, xdsPort: controller.xdsPort, xdsTlsPort: controller.xdsTlsPort, rootFile }, log), '--token-file', tokenFile,
      '--ip', LOOPBACK, '--namespace', spec.namespace, '--service-account', spec.serviceAccount,
      '--workload-name', spec.name, '--pod-name', spec.name,
      '--labels', Object.entries(spec.labels).map(([k, v]) => `${k}=${v}`).join(','),
      '--capture', 'off', '--http-proxy-port', String(httpProxyPort), '--inbound-ports', ports.map((p) => `${p.inbound}:${p.app}`).join(','),
      ...(forwards.forwards.length > 0 ? ['--forwards', formatForwards(forwards.forwards)] : []),
      '--readiness-port', String(readinessPort), '--readiness-host', LOOPBACK, '--admin-port', String(adminPort),
      '--stats-port=-1', '--status-port=-1', '--drain-timeout', spec.drainTimeout ?? '5s',
    ]);
    const proxyLog = logFile(spec.home, `${spec.namespace}.${spec.name}.proxy.log`);
    proxy = spawn(file!, argv, { stdio: ['ignore', proxyLog, proxyLog], env: process.env });
    closeSync(proxyLog);
    record.proxyPid = proxy.pid;
    writeWorkloadRecord(spec.home, record);
    const proxyExit = childExit(proxy);
    let proxyGone = false;
    void proxyExit.then(() => { proxyGone = true; });
    const readyUrl = record.readiness!;
    const ready = await waitFor(async () => (await httpGet(readyUrl, 1000)).status === 200, spec.readyTimeoutMs ?? 30_000, () => proxyGone || signals.interrupted !== undefined);
    if (signals.interrupted) return 128 + 15;
    if (!ready) throw new PlexusError('PLEXUS_ERR_INTERNAL', `the sidecar of ${spec.namespace}/${spec.name} did not become ready${proxyGone ? ' (it exited)' : ''}; see ${join(spec.home, 'logs', `${spec.namespace}.${spec.name}.proxy.log`)}`);
    log.info({ workload: `${spec.namespace}/${spec.name}`, httpProxy: httpProxyPort, ports, forwards: formatForwards(forwards.forwards) }, 'sidecar ready (explicit mode); starting the app');

    // Its own process group, so that whatever it leaves behind can be stopped with it.
    app = spawn(spec.command[0]!, spec.command.slice(1), { stdio: 'inherit', env: explicitAppEnv(spec, httpProxyPort, ports, forwards.env), detached: true });
    app.on('error', (err) => log.error({ err: err.message }, 'the app could not be started'));
    record.appPid = app.pid;
    writeWorkloadRecord(spec.home, record);
    const status = await appOrSidecarExit(app, proxyExit, log);
    // A command that could not start (ENOENT) exits with code -2: report 127 as a shell does.
    return app.pid === undefined ? 127 : status;
  } finally {
    releasePorts(reservations, claimed);
    signals.dispose();
    if (app?.pid && app.exitCode === null && app.signalCode === null) await stopPid(app.pid, 5000);
    killGroup(app?.pid);
    if (proxy?.pid) await stopPid(proxy.pid, 8000);
    if (tokenFile) rmSync(tokenFile, { force: true });
    if (rootFile) rmSync(rootFile, { force: true });
    if (registered) await unregisterWorkload(controller.admin, spec.namespace, spec.name).catch((err: unknown) => log.warn({ err }, 'could not delete the WorkloadEntry'));
    if (record) removeWorkloadRecord(spec.home, record);
  }
}
