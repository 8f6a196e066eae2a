import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/** How a workload's traffic reaches its sidecar. */
export type WorkloadMode = 'pods' | 'explicit';

/** What `plexus run` / `plexus gateway run` publish about a running workload, for status and down. */
export interface WorkloadRecord {
  readonly kind: 'workload' | 'gateway';
  readonly namespace: string;
  readonly name: string;
  readonly mode: WorkloadMode;
  /** The `plexus run` (or `gateway run`) process: SIGTERM to it removes everything cleanly. */
  readonly pid: number;
  proxyPid?: number;
  appPid?: number;
  readonly address: string;
  readonly netns?: string;
  readonly serviceAccount: string;
  /** Ports the workload is reached on (inbound; host ports for a gateway). */
  readonly ports: readonly number[];
  /** The sidecar's admin/readiness endpoint as seen from the host. */
  readiness?: string;
  readonly startedAt: string;
}

/** `$PLEXUS_HOME/workloads`. */
export function workloadsDir(home: string): string {
  return join(home, 'workloads');
}

function recordFile(home: string, kind: WorkloadRecord['kind'], namespace: string, name: string): string {
  return join(workloadsDir(home), `${kind}.${namespace}.${name}.json`);
}

/** Writes (atomically) the record of a workload. */
export function writeWorkloadRecord(home: string, record: WorkloadRecord): void {
  mkdirSync(workloadsDir(home), { recursive: true, mode: 0o700 });
  const file = recordFile(home, record.kind, record.namespace, record.name);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** Removes the record, if it still belongs to `pid` (a newer run may have taken the name). */
export function removeWorkloadRecord(home: string, record: Pick<WorkloadRecord, 'kind' | 'namespace' | 'name' | 'pid'>): void {
  const file = recordFile(home, record.kind, record.namespace, record.name);
  const current = readRecord(file);
  if (!current || current.pid === record.pid) rmSync(file, { force: true });
}

/** Removes a record whatever it holds (down, after the processes are gone). */
export function forgetWorkloadRecord(home: string, record: Pick<WorkloadRecord, 'kind' | 'namespace' | 'name'>): void {
  rmSync(recordFile(home, record.kind, record.namespace, record.name), { force: true });
}

function readRecord(file: string): WorkloadRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as WorkloadRecord;
  } catch {
    return undefined;
  }
}

/** Every workload record under the home directory, gateways last. */
export function listWorkloadRecords(home: string): WorkloadRecord[] {
  let files: string[];
  try {
    files = readdirSync(workloadsDir(home)).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.sort().map((f) => readRecord(join(workloadsDir(home), f))).filter((r): r is WorkloadRecord => r !== undefined)
    .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'gateway' ? 1 : -1));
}
