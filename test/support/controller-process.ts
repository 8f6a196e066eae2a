import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Resource } from '../../src/api/resource.js';

// The CLI compiled next to the tests (dist/ or any other outDir), run without bin/plexus.js.
const MAIN = new URL('../../src/cli/main.js', import.meta.url).href;
const ENTRY = `const { main, processIO } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1), processIO);`;

/** Output of one `plexus` run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnPlexus(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--input-type=module', '-e', ENTRY, ...args], { env: { ...process.env, PLEXUS_HOME: '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs `plexus ARGS` to completion (killed after `timeoutMs`). */
export function plexus(args: string[], timeoutMs = 30_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawnPlexus(args);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin!.end();
  });
}

/**
 * `plexus apply -f FILE --home HOME` as a user would run it: each call writes the objects to a
 * new file in HOME and fails the test when apply does.
 */
export function applier(home: string): (...resources: Resource[]) => Promise<void> {
  let applied = 0;
  return async (...resources) => {
    const file = join(home, `apply-${applied++}.yaml`);
    writeFileSync(file, resources.map((r) => stringify(r)).join('---\n'));
    const run = await plexus(['apply', '--home', home, '-f', file]);
    if (run.code !== 0) throw new Error(`plexus apply failed:\n${run.stdout}${run.stderr}`);
  };
}

/** A `plexus controller` child process on a home directory, every port chosen by the kernel. */
export class ControllerProcess {
  log = '';
  ports: Record<string, number> = {};
  private constructor(readonly child: ChildProcess) {}

  static async start(home: string, extra: string[] = []): Promise<ControllerProcess> {
    const child = spawnPlexus(['controller', '--home', home, '--admin-port', '0', '--xds-port', '0', '--xds-tls-port', '0', '--monitoring-port', '0', ...extra]);
    const c = new ControllerProcess(child);
    child.stderr!.on('data', (d: Buffer) => (c.log += d.toString()));
    child.stdout!.resume();
    const end = Date.now() + 15_000;
    while (!(c.log.includes('controller ready') && existsSync(join(home, 'controller.json')))) {
      if (child.exitCode !== null) throw new Error(`controller exited early:\n${c.log}`);
      if (Date.now() > end) {
        child.kill('SIGKILL');
        throw new Error(`controller not ready in 15 s:\n${c.log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    c.ports = (JSON.parse(readFileSync(join(home, 'controller.json'), 'utf8')) as { ports: Record<string, number> }).ports;
    return c;
  }

  /** GET on the monitoring port: status and body text. */
  async monitoring(path: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`http://127.0.0.1:${this.ports.monitoring}${path}`);
    return { status: res.status, text: await res.text() };
  }

  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}
