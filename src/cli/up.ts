import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { captureSupport } from '../agent/capture-support.js';
import { localPodNetwork, runtimeStateDir } from '../agent/pod-workload.js';
import { listWorkloadRecords, forgetWorkloadRecord } from '../agent/workload-record.js';
import { isProcessAlive } from '../config/admin-api/controller-info.js';
import { cleanupLeftovers } from '../runtime/cleanup-leftovers.js';
import { unregisterAllRunWorkloads } from '../agent/workload-entry.js';
import { AdminClient } from './admin-client.js';
import type { CliIO, Command } from './command.js';
import { resolveHome } from './home.js';
import { controllerLogPath, readyController, startBackgroundController } from './local-controller.js';

const usage = `Usage: plexus up [--home DIR] [--capture auto|iptables|none]

Starts the local mesh's control plane in the background: \`plexus controller\` on the
directory store in --home (else $PLEXUS_HOME, else ~/.plexus), logging to DIR/logs/controller.log.
Waits until it is ready; does nothing when it already runs. In pod mode (Linux, root,
iptables and the SO_ORIGINAL_DST addon) it first removes what a crashed run left (namespaces,
veths, rules), creates the pod bridge (198.18.0.1) with egress for DNS, and makes the
controller's xDS and CA ports reachable from pods on the bridge address too. --capture none
(or PLEXUS_CAPTURE=none) keeps to explicit mode: no bridge, workloads on loopback.`;

/** What `up` did, for callers (demo). */
export interface UpResult {
  readonly pid: number;
  readonly pods: boolean;
  readonly alreadyRunning: boolean;
}

/** `plexus up` as a function: used by the command and by `plexus demo`. */
export async function bringUp(home: string, capture: string, io: CliIO): Promise<UpResult> {
  const logger = pino({ name: 'plexus-up', level: 'warn' }, { write: (line: string) => io.stderr(line) });
  const support = captureSupport();
  const pods = capture !== 'none' && support.pods;
  if (capture === 'iptables' && !support.pods) throw new Error(`pod mode is not possible here: ${support.reason}`);
  const running = await readyController(home);
  if (running) {
    if (pods) await localPodNetwork(home, logger).ensureBridge();
    return { pid: running.pid, pods, alreadyRunning: true };
  }
  // A crashed run's records: drop those whose process is gone.
  for (const r of listWorkloadRecords(home)) if (!isProcessAlive(r.pid)) forgetWorkloadRecord(home, r);
  if (pods) {
    if (listWorkloadRecords(home).length === 0) await cleanupLeftovers(runtimeStateDir(home), { logger });
    await localPodNetwork(home, logger).ensureBridge();
  }
  const gateway = localPodNetwork(home).config.gateway;
  const info = await startBackgroundController(home, pods ? ['--xds-address', `127.0.0.1,${gateway}`] : []);
  // Entries of workloads that died with a previous controller (kill -9) would serve dead endpoints.
  if (listWorkloadRecords(home).length === 0) await unregisterAllRunWorkloads(AdminClient.connect(home));
  return { pid: info.pid, pods, alreadyRunning: false };
}

export const upCommand: Command = {
  name: 'up',
  summary: 'Start the local mesh control plane in the background',
  usage,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { home: { type: 'string' }, capture: { type: 'string' } }, allowPositionals: false });
    const home = resolveHome(values.home, io.env);
    const started = Date.now();
    const r = await bringUp(home, values.capture ?? io.env.PLEXUS_CAPTURE ?? 'auto', io);
    io.stdout(r.alreadyRunning
      ? `Plexus controller already running (pid ${r.pid}, ${r.pods ? 'pod mode' : 'explicit mode'}).\n`
      : `Plexus controller started (pid ${r.pid}, ${r.pods ? 'pod mode' : 'explicit mode'}) in ${Date.now() - started} ms; log: ${controllerLogPath(home)}\n`);
    return 0;
  },
};
