import { readFileSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { writeFileAtomic } from '../directory-store/atomic-write.js';
import { homePaths } from './home-paths.js';

/** What `<home>/controller.json` says about the running controller. */
export interface ControllerInfo {
  pid: number;
  startedAt: string;
  /** The admin API (always loopback). */
  admin: { host: string; port: number };
  /** Every port the controller listens on, by name (`admin`, and `xds`, `xds-tls`, `monitoring` once served). */
  ports: Record<string, number>;
}

/** Publishes the controller's pid and ports (atomically, so a reader never sees half a file). */
export async function writeControllerInfo(home: string, info: ControllerInfo): Promise<void> {
  await writeFileAtomic(homePaths(home).controllerInfo, `${JSON.stringify(info, null, 2)}\n`, 0o644);
}

/** Reads controller.json; undefined when there is none or it does not parse. */
export function readControllerInfo(home: string): ControllerInfo | undefined {
  try {
    return parseInfo(readFileSync(homePaths(home).controllerInfo, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Removes controller.json if it still describes process `pid` (a newer controller may own it). */
export async function removeControllerInfo(home: string, pid: number): Promise<void> {
  const file = homePaths(home).controllerInfo;
  try {
    if (parseInfo(await readFile(file, 'utf8'))?.pid === pid) await unlink(file);
  } catch {
    // Already gone: nothing to clean.
  }
}

/** True when a process with this pid exists (EPERM means it exists but is someone else's). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseInfo(text: string): ControllerInfo | undefined {
  const v = JSON.parse(text) as Partial<ControllerInfo>;
  if (typeof v.pid !== 'number' || typeof v.admin?.port !== 'number' || typeof v.admin.host !== 'string') return undefined;
  return { pid: v.pid, startedAt: String(v.startedAt ?? ''), admin: v.admin, ports: v.ports ?? {} };
}
