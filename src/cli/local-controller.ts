import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive, readControllerInfo, type ControllerInfo } from '../config/admin-api/controller-info.js';
import { waitFor } from '../agent/child-process-wait.js';
import { httpGet } from '../agent/http-probe.js';
import { plexusArgv } from './self-command.js';

/** Where `plexus up` writes the controller's log. */
export function controllerLogPath(home: string): string {
  return join(home, 'logs', 'controller.log');
}

/** The running controller of `home`, if its pid is alive and /ready answers 200. */
export async function readyController(home: string): Promise<ControllerInfo | undefined> {
  const info = readControllerInfo(home);
  if (!info || !isProcessAlive(info.pid)) return undefined;
  const port = info.ports.monitoring;
  if (!port) return undefined;
  return (await httpGet(`http://127.0.0.1:${port}/ready`, 1000)).status === 200 ? info : undefined;
}

/**
 * Starts `plexus controller` on `home` as a detached background process (its own session, so
 * the shell's Ctrl-C does not reach it) logging to `<home>/logs/controller.log`, and waits
 * until it is ready.
 */
export async function startBackgroundController(home: string, extraArgs: readonly string[], timeoutMs = 30_000): Promise<ControllerInfo> {
  mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o700 });
  const log = openSync(controllerLogPath(home), 'a', 0o600);
  const [file, ...args] = plexusArgv(['controller', '--home', home, ...extraArgs]);
  const child = spawn(file!, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  let exited = false;
  child.once('exit', () => { exited = true; });
  const ok = await waitFor(async () => (await readyController(home))?.pid === child.pid, timeoutMs, () => exited);
  const info = await readyController(home);
  if (!ok || !info) {
    let tail = '';
    try {
      tail = readFileSync(controllerLogPath(home), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      // No log yet.
    }
    throw new Error(`the controller did not become ready${exited ? ' (it exited)' : ''}; last lines of ${controllerLogPath(home)}:\n${tail}`);
  }
  return info;
}
