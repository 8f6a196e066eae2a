import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { stopPid } from '../agent/child-process-wait.js';
import { killPodProcesses, POD_TOKEN_DIR, runtimeStateDir } from '../agent/pod-workload.js';
import { unregisterAllRunWorkloads } from '../agent/workload-entry.js';
import { forgetWorkloadRecord, listWorkloadRecords } from '../agent/workload-record.js';
import { isProcessAlive, readControllerInfo, removeControllerInfo } from '../config/admin-api/controller-info.js';
import { cleanupLeftovers, listNetns } from '../runtime/cleanup-leftovers.js';
import { DEFAULT_RUNTIME_PREFIX, isRuntimeNetns } from '../runtime/pod-network-config.js';
import { AdminClient } from './admin-client.js';
import type { CliIO, Command } from './command.js';
import { resolveHome } from './home.js';

const usage = `Usage: plexus down [--home DIR]

Stops everything the local mesh of --home (else $PLEXUS_HOME, else ~/.plexus) started:
workloads (their apps and sidecars), gateways, then the controller; then removes pods
(network namespaces), veths, the bridge and the iptables rules, also after a crash or kill -9.`;

/** `plexus down` as a function: used by the command and by `plexus demo --down`. */
export async function bringDown(home: string, io: CliIO): Promise<{ workloads: number; controller: boolean }> {
  const logger = pino({ name: 'plexus-down', level: 'warn' }, { write: (line: string) => io.stderr(line) });
  const records = listWorkloadRecords(home);
  // The run processes clean up after themselves on SIGTERM; all at once, so drains overlap.
  await Promise.all(records.map(async (r) => {
    await stopPid(r.pid, 10_000);
    for (const pid of [r.appPid, r.proxyPid]) if (pid) await stopPid(pid, 2000, 'SIGKILL');
    if (r.netns) await killPodProcesses(r.netns);
    forgetWorkloadRecord(home, r);
  }));
  const info = readControllerInfo(home);
  let controller = false;
  if (info && isProcessAlive(info.pid)) {
    try {
      await unregisterAllRunWorkloads(AdminClient.connect(home));
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'could not remove the WorkloadEntries plexus run registered');
    }
    controller = await stopPid(info.pid, 10_000);
    await removeControllerInfo(home, info.pid);
  }
  // Only a home that made a pod network cleans pods up: an explicit-mode mesh must not tear down
  // another home's pods (the prefix is machine-wide).
  if (process.platform === 'linux' && process.getuid?.() === 0 && existsSync(join(runtimeStateDir(home), 'network.json'))) {
    for (const netns of (await listNetns().catch(() => [])).filter((n) => isRuntimeNetns(DEFAULT_RUNTIME_PREFIX, n))) await killPodProcesses(netns);
    await cleanupLeftovers(runtimeStateDir(home), { logger });
    rmSync(POD_TOKEN_DIR, { recursive: true, force: true });
  }
  rmSync(join(home, 'workloads'), { recursive: true, force: true });
  return { workloads: records.length, controller };
}

export const downCommand: Command = {
  name: 'down',
  summary: 'Stop the local mesh and remove its pods, bridge and rules',
  usage,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { home: { type: 'string' } }, allowPositionals: false });
    const r = await bringDown(resolveHome(values.home, io.env), io);
    io.stdout(`Stopped ${r.workloads} workload(s)${r.controller ? ' and the controller' : ''}; pods, bridge and rules removed.\n`);
    return 0;
  },
};
