/** Child processes of the benchmark: start, wait for a port, stop, and check binaries. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A started child with its output kept for error messages. */
export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

/** True when `name` is on PATH. */
export function haveBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Spawns a process; its stdout/stderr are kept (last 64 KiB) for diagnostics. */
export function startChild(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Child {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  const keep = (c: Buffer): void => {
    out = (out + c.toString()).slice(-65536);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  if (proc.pid === undefined) throw new Error(`cannot start ${name} (${command})`);
  return {
    name,
    proc,
    pid: proc.pid,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

/** Resolves once a TCP connect to 127.0.0.1:port succeeds; rejects after `timeoutMs` or if the child exits. */
export async function waitForPort(port: number, child?: Child, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.proc.exitCode !== null || child.proc.signalCode !== null)) throw new Error(`${child.name} exited early:\n${child.output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms${child ? `; ${child.name} said:\n${child.output()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A free loopback port (bound and released; fine for a benchmark on a quiet machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
