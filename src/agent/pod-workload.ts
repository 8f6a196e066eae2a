import { forwardSignalsToApp } from './app-signals.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PlexusError } from '../api/errors.js';
import { installCapture } from '../runtime/iptables-capture.js';
import { spawnInPod } from '../runtime/pod-exec.js';
import { PodNetwork, type PodRecord } from '../runtime/pod-network.js';
import { appOrSidecarExit, childExit, stopPid, waitFor } from './child-process-wait.js';
import { httpGet } from './http-probe.js';
import { sidecarXdsFlags, writeMeshRootFile } from './sidecar-xds-flags.js';
import { registerWorkload, unregisterWorkload, type AdminApi } from './workload-entry.js';
import { removeWorkloadRecord, writeWorkloadRecord, type WorkloadRecord } from './workload-record.js';

/** Istio's proxy uid/gid; the capture rules exempt its traffic. */
export const PROXY_UID = 1337;
/** Tokens live outside $PLEXUS_HOME (often under /root, which the proxy's uid cannot enter). */
export const POD_TOKEN_DIR = '/run/plexus/tokens';

/** Everything `plexus run` knows about one workload. */
export interface WorkloadSpec {
  readonly home: string;
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly number[];
  readonly command: readonly string[];
  /** uid/gid the app runs as in its pod (never the proxy's). */
  readonly appUid: number;
  readonly appGid: number;
  /** argv prefix that runs this build's `plexus` (node + script). */
  readonly plexusArgv: (args: readonly string[]) => string[];
  readonly logger: Logger;
  /** How long to wait for the sidecar to become ready. */
  readonly readyTimeoutMs?: number;
  /** How long the sidecar may drain after the app exits. */
  readonly drainTimeout?: string;
}

/** The controller as the lifecycle reaches it. */
export interface ControllerEndpoint {
  readonly admin: AdminApi;
  /** The plaintext xDS/CA port (15010). */
  readonly xdsPort: number;
  /** The TLS xDS/CA port (15012), when open: sidecars speak xDS there. */
  readonly xdsTlsPort?: number | undefined;
}

/** `$PLEXUS_HOME/runtime`: the pod network's records. */
export function runtimeStateDir(home: string): string {
  return join(home, 'runtime');
}

/** The pod network `plexus up` and `plexus run` share (egress on: the DNS proxy forwards upstream). */
export function localPodNetwork(home: string, logger?: Logger): PodNetwork {
  return new PodNetwork({ stateDir: runtimeStateDir(home), egress: true, ...(logger ? { logger } : {}) });
}

function logFile(home: string, file: string): number {
  mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o700 });
  return openSync(join(home, 'logs', file), 'a', 0o600);
}

/**
 * Runs one workload in a pod, the way a Kubernetes pod with an injected sidecar runs:
 * register the WorkloadEntry, mint a bootstrap token, create the network namespace and the
 * capture rules, start the sidecar as uid 1337 and wait until it serves its configuration
 * (holdApplicationUntilProxyStarts), then the app as another uid. Signals go to the app; when
 * it exits the sidecar drains, the pod, rules, token and entry are removed, and the app's exit
 * status is returned.
 */
export async function runPodWorkload(spec: WorkloadSpec, controller: ControllerEndpoint): Promise<number> {
  const log = spec.logger;
  const network = localPodNetwork(spec.home, log.child({ part: 'pod-network' }));
  let pod: PodRecord | undefined;
  let proxy: ChildProcess | undefined;
  let app: ChildProcess | undefined;
  let registered = false;
  let tokenFile: string | undefined;
  let rootFile: string | undefined;
  let record: WorkloadRecord | undefined;
  const signals = forwardSignalsToApp(() => app);
  try {
    pod = await network.createPod({ namespace: spec.namespace, name: spec.name });
    record = {
      kind: 'workload', namespace: spec.namespace, name: spec.name, mode: 'pods', pid: process.pid, address: pod.address, netns: pod.netns,
      serviceAccount: spec.serviceAccount, ports: spec.ports, readiness: `http://${pod.address}:15021/healthz/ready`, startedAt: new Date().toISOString(),
    };
    writeWorkloadRecord(spec.home, record);
    await registerWorkload(controller.admin, { namespace: spec.namespace, name: spec.name, address: pod.address, serviceAccount: spec.serviceAccount, labels: spec.labels });
    registered = true;
    const { token } = await controller.admin.mintToken({ namespace: spec.namespace, serviceAccount: spec.serviceAccount, ttl: 24 * 3600, workload: spec.name });
    mkdirSync(POD_TOKEN_DIR, { recursive: true, mode: 0o711 });
    tokenFile = join(POD_TOKEN_DIR, `${pod.netns}.token`);
    writeFileSync(tokenFile, token, { mode: 0o400 });
    chownSync(tokenFile, PROXY_UID, PROXY_UID);
    rootFile = writeMeshRootFile(spec.home, join(POD_TOKEN_DIR, `${pod.netns}.root-cert.pem`), { uid: PROXY_UID, gid: PROXY_UID });
    await installCapture(pod.netns, { proxyUid: PROXY_UID }, log.child({ part: 'capture' }));
    if (signals.interrupted) return 128 + 15;

    const proxyArgs = spec.plexusArgv([
      'proxy', ...sidecarXdsFlags({ host: pod.gateway, xdsPort: controller.xdsPort, xdsTlsPort: controller.xdsTlsPort, rootFile }, log), '--token-file', tokenFile,
      '--ip', pod.address, '--namespace', spec.namespace, '--service-account', spec.serviceAccount,
      '--workload-name', spec.name, '--pod-name', spec.name,
      '--labels', Object.entries(spec.labels).map(([k, v]) => `${k}=${v}`).join(','),
      '--capture', 'auto', '--dns-port', '15053', '--drain-timeout', spec.drainTimeout ?? '5s',
      // The pod's loopback is shared with its own app only: it may stop its sidecar (jobs), as in Istio.
      '--admin-mutations', 'anyone',
    ]);
    const proxyLog = logFile(spec.home, `${spec.namespace}.${spec.name}.proxy.log`);
    proxy = spawnInPod(pod.netns, proxyArgs, { uid: PROXY_UID, gid: PROXY_UID }, { stdio: ['ignore', proxyLog, proxyLog], env: { ...process.env, HOME: '/tmp' } });
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
    log.info({ workload: `${spec.namespace}/${spec.name}`, address: pod.address }, 'sidecar ready; starting the app');

    const env: NodeJS.ProcessEnv = { ...process.env, POD_NAME: spec.name, POD_NAMESPACE: spec.namespace, INSTANCE_IP: pod.address, SERVICE_ACCOUNT: spec.serviceAccount, HOSTNAME: spec.name };
    app = spawnInPod(pod.netns, spec.command, { uid: spec.appUid, gid: spec.appGid }, { stdio: 'inherit', env });
    record.appPid = app.pid;
    writeWorkloadRecord(spec.home, record);
    return await appOrSidecarExit(app, proxyExit, log);
  } finally {
    signals.dispose();
    if (app?.pid && app.exitCode === null && app.signalCode === null) await stopPid(app.pid, 5000);
    if (proxy?.pid) await stopPid(proxy.pid, 8000);
    if (pod) await killPodProcesses(pod.netns);
    if (pod) await network.removePod(spec.namespace, spec.name).catch((err: unknown) => log.error({ err }, 'removing the pod failed'));
    if (tokenFile) rmSync(tokenFile, { force: true });
    if (rootFile) rmSync(rootFile, { force: true });
    if (registered) await unregisterWorkload(controller.admin, spec.namespace, spec.name).catch((err: unknown) => log.warn({ err }, 'could not delete the WorkloadEntry'));
    if (record) removeWorkloadRecord(spec.home, record);
  }
}

/** SIGKILLs whatever still runs in a pod's namespace (children the app left behind). */
export async function killPodProcesses(netns: string): Promise<void> {
  const pids = await new Promise<number[]>((resolve) => {
    const child = spawn('ip', ['netns', 'pids', netns], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', () => resolve(out.split(/\s+/).filter(Boolean).map(Number).filter((n) => n > 0 && n !== process.pid)));
    child.on('error', () => resolve([]));
  });
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
