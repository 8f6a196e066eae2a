import { parseArgs } from 'node:util';
import { statusWord } from './proxy-status.js';
import { listWorkloadRecords } from '../agent/workload-record.js';
import { isProcessAlive, readControllerInfo } from '../config/admin-api/controller-info.js';
import type { SynczEntry } from '../xds/debug/syncz.js';
import { proxyShortName } from '../xds/debug/proxy-name.js';
import type { Command } from './command.js';
import { resolveHome } from './home.js';
import { readyController } from './local-controller.js';
import { MonitoringClient } from './monitoring-client.js';
import { renderTabTable } from './tab-table.js';

const usage = `Usage: plexus status [--home DIR] [-o table|json]

Shows the local mesh: the controller (pid, ports, ready), and every workload and gateway
started by plexus run / plexus gateway run with its mode, address, process state and whether
its proxy is connected and SYNCED (all xDS types acknowledged).`;

const TYPES = ['CDS', 'LDS', 'EDS', 'RDS'] as const;

/** SYNCED when every type the proxy was sent is acknowledged; otherwise the first other word. */
function syncState(entry: SynczEntry | undefined): string {
  if (!entry) return 'NOT CONNECTED';
  const words = TYPES.map((t) => statusWord(entry.types[t])).filter((w) => w !== 'NOT SENT');
  if (words.length === 0) return 'NOT SENT';
  return words.find((w) => w !== 'SYNCED') ?? 'SYNCED';
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show the local mesh: controller, workloads and their proxies',
  usage,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { home: { type: 'string' }, output: { type: 'string', short: 'o', default: 'table' } }, allowPositionals: false });
    const home = resolveHome(values.home, io.env);
    const info = readControllerInfo(home);
    const ready = await readyController(home);
    const alive = info !== undefined && isProcessAlive(info.pid);
    let syncz: SynczEntry[] = [];
    if (ready) syncz = await MonitoringClient.connect(home).getJson<SynczEntry[]>('/debug/syncz').catch(() => []);
    const records = listWorkloadRecords(home);
    const rows = records.map((r) => {
      const entry = syncz.find((e) => proxyShortName(e.proxy) === `${r.name}.${r.namespace}`);
      return { kind: r.kind, name: `${r.name}.${r.namespace}`, mode: r.mode, address: r.address, pid: r.pid, running: isProcessAlive(r.pid), proxy: syncState(entry) };
    });
    if (values.output === 'json') {
      io.stdout(`${JSON.stringify({ controller: info ? { pid: info.pid, running: alive, ready: ready !== undefined, ports: info.ports } : null, workloads: rows }, null, 2)}\n`);
      return 0;
    }
    const controllerLine = !info || !alive
      ? 'Controller: not running (plexus up starts it)'
      : `Controller: pid ${info.pid}, ${ready ? 'ready' : 'NOT READY'}, ports ${Object.entries(info.ports).map(([k, v]) => `${k}=${v}`).join(' ')}`;
    io.stdout(`${controllerLine}\n`);
    if (rows.length === 0) {
      io.stdout('No workloads (start one with plexus run).\n');
      return 0;
    }
    const table = [['NAME', 'KIND', 'MODE', 'ADDRESS', 'PID', 'STATE', 'PROXY'],
      ...rows.map((r) => [r.name, r.kind, r.mode, r.address, String(r.pid), r.running ? 'running' : 'exited', r.proxy])];
    io.stdout(renderTabTable(table, 3));
    return alive ? 0 : 1;
  },
};
