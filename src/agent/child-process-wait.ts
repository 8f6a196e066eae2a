import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { isProcessAlive } from '../config/admin-api/controller-info.js';

/** How a child ended: its exit code, or the signal that ended it. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Resolves when the child has exited (at once if it already has). */
export function childExit(child: ChildProcess): Promise<ChildExit> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** The shell's convention: the code, or 128 + the signal number. */
export function exitStatus(exit: ChildExit): number {
  if (exit.code !== null) return exit.code;
  const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return 128 + (exit.signal ? signals[exit.signal] ?? 1 : 1);
}

/** Sends `signal`, waits up to `graceMs` for the pid to go, then SIGKILLs it. True when it is gone. */
export async function stopPid(pid: number, graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<boolean> {
  if (!isProcessAlive(pid)) return true;
  try {
    process.kill(pid, signal);
  } catch {
    return !isProcessAlive(pid);
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone between the check and the kill.
  }
  for (let i = 0; i < 40 && isProcessAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !isProcessAlive(pid);
}

/** Polls `check` every 100 ms until it resolves true or `timeoutMs` passes; false on timeout. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, shouldStop: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !shouldStop()) {
    try {
      if (await check()) return true;
    } catch {
      // Not yet: keep polling.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * Waits for whichever ends first, the app (normal) or its sidecar (then the app is stopped),
 * and returns the app's exit status; a sidecar that dies under a successful app still fails.
 */
export async function appOrSidecarExit(app: ChildProcess, sidecarExit: Promise<ChildExit>, log: Logger): Promise<number> {
  const first = await Promise.race([childExit(app).then((e) => ({ who: 'app' as const, e })), sidecarExit.then((e) => ({ who: 'proxy' as const, e }))]);
  if (first.who === 'proxy') {
    log.error({ exit: first.e }, 'the sidecar exited; stopping the app');
    if (app.pid) await stopPid(app.pid, 5000);
    return exitStatus(await childExit(app)) || 1;
  }
  log.info({ exit: first.e }, 'app exited; draining the sidecar');
  return exitStatus(first.e);
}
