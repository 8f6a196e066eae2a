/**
 * The `plexus` command of the build this benchmark belongs to (dist/ or dist-*), run as a user
 * runs it: one-shot commands (`apply`, `x ca token`), long-running ones (`proxy`) and a
 * `plexus controller` on its own home with every port chosen by the kernel.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Resource } from '../src/api/resource.js';
import { readControllerInfo } from '../src/config/admin-api/controller-info.js';
import { startChild, type Child } from './bench-process.js';

const CLI_MAIN = new URL('../src/cli/main.js', import.meta.url).href;
/** What bin/plexus.js does, against this build: `node --input-type=module -e ENTRY ARGS…`. */
const ENTRY = `const { main, processIO } = await import(${JSON.stringify(CLI_MAIN)}); process.exitCode = await main(process.argv.slice(1), processIO);`;

/** `plexus ARGS` under `env` (PLEXUS_HOME pinned so nothing touches ~/.plexus), kept running. */
export function startPlexus(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Child {
  // PLEXUS_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the proxies.
  const nodeArgs = args[0] === 'proxy' ? (process.env.PLEXUS_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean) : [];
  return startChild(name, process.execPath, [...nodeArgs, '--input-type=module', '-e', ENTRY, ...args], { ...process.env, ...env });
}

/** `plexus ARGS` to completion; rejects with its output unless it exits 0. */
export function runPlexus(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`plexus ${args.slice(0, 3).join(' ')} exited ${code ?? signal}:\n${stdout}${stderr}`));
    });
  });
}

/** A running `plexus controller` on `home`, its ports read from HOME/controller.json. */
export class BenchController {
  private applied = 0;

  private constructor(readonly home: string, readonly child: Child, readonly ports: Readonly<Record<string, number>>) {}

  /** Starts it with every port 0 and waits for HOME/controller.json naming it. */
  static async start(home: string, timeoutMs = 20_000): Promise<BenchController> {
    const child = startPlexus('plexus controller', ['controller', '--home', home, '--admin-port', '0', '--xds-port', '0', '--xds-tls-port', '0', '--monitoring-port', '0', '--log-level', 'warn'], { PLEXUS_HOME: home });
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        if (child.proc.exitCode !== null || child.proc.signalCode !== null) throw new Error(`plexus controller exited early:\n${child.output()}`);
        // Published (atomically) once every component listens: the controller's readiness.
        const info = readControllerInfo(home);
        if (info?.pid === child.pid && info.ports.xds) return new BenchController(home, child, info.ports);
        if (Date.now() > deadline) throw new Error(`plexus controller not ready after ${timeoutMs} ms:\n${child.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } catch (err) {
      await child.stop();
      throw err;
    }
  }

  /** Where sidecars reach xDS and the CA (plaintext gRPC on loopback). */
  get xdsAddress(): string {
    return `127.0.0.1:${this.ports.xds}`;
  }

  /** `plexus apply -f` of the objects, written as one multi-document YAML file in the home. */
  async apply(resources: readonly Resource[]): Promise<string> {
    const file = join(this.home, `bench-apply-${this.applied++}.yaml`);
    writeFileSync(file, resources.map((r) => stringify(r)).join('---\n'));
    return runPlexus(['apply', '--home', this.home, '-f', file], { PLEXUS_HOME: this.home });
  }

  /** `plexus x ca token`: a bootstrap token for namespace/serviceAccount. */
  async token(namespace: string, serviceAccount: string): Promise<string> {
    return (await runPlexus(['x', 'ca', 'token', '--home', this.home, '-n', namespace, '--sa', serviceAccount], { PLEXUS_HOME: this.home })).trim();
  }

  /** SIGTERM (SIGKILL after 5 s); resolves once it has exited. */
  stop(): Promise<void> {
    return this.child.stop();
  }
}
