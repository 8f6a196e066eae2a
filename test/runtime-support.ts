// Shared helpers of the runtime tests: whether this machine can run them, the helper
// processes inside pods, and the check that nothing with a test's prefix is left behind.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runHostCommand } from '../src/runtime/host-command.js';
import { listLinks, listNetns } from '../src/runtime/cleanup-leftovers.js';
import { isRuntimeLink, isRuntimeNetns } from '../src/runtime/pod-network-config.js';
import { spawnInPod, type PodProcessIdentity } from '../src/runtime/pod-exec.js';
import { NETNS_ETC_DIR } from '../src/runtime/pod-network.js';

/** Why the namespace tests cannot run here, or undefined when they can. */
export function namespaceTestsSkipReason(): string | undefined {
  return skipOutsideCi(namespaceRequirementMissing());
}

/**
 * Outside CI a machine without root or iptables skips the namespace tests with the reason;
 * CI (CI=true, where .ci/run installs every requirement) must run them, so a missing
 * requirement there fails instead of hiding the tests.
 */
export function skipOutsideCi(reason: string | undefined): string | undefined {
  if (reason && process.env.CI) throw new Error(`CI must run the namespace tests, but: ${reason}`);
  return reason;
}

function namespaceRequirementMissing(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const tool of ['ip', 'iptables', 'iptables-restore', 'setpriv']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return undefined;
}

const CHILD = fileURLToPath(new URL('./runtime-child.js', import.meta.url));

/** A helper process in a pod; `lines` collects its stdout lines. */
export interface PodChild {
  readonly process: ChildProcess;
  readonly lines: string[];
  stop(): Promise<void>;
}

/** Starts a runtime-child role in a pod and waits for READY. */
export async function startInPod(netns: string, role: string, args: unknown, identity: PodProcessIdentity = {}, timeoutMs = 8000): Promise<PodChild> {
  const child = spawnInPod(netns, [process.execPath, CHILD, role, JSON.stringify(args)], identity, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  };
  const started = Date.now();
  while (!lines.includes('READY')) {
    if (child.exitCode !== null) throw new Error(`${role} in ${netns} exited ${child.exitCode}: ${stderr}`);
    if (Date.now() - started > timeoutMs) {
      await stop();
      throw new Error(`${role} in ${netns} not ready after ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { process: child, lines, stop };
}

/** Runs a client role in a pod to completion and returns its JSON result line. */
export async function runInPod<T>(netns: string, role: string, args: unknown, identity: PodProcessIdentity = {}, timeoutMs = 15_000): Promise<T> {
  const child = spawnInPod(netns, [process.execPath, CHILD, role, JSON.stringify(args)], identity, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${role} in ${netns} exited ${code}: ${stderr}`);
  return JSON.parse(stdout.trim().split('\n').pop() ?? 'null') as T;
}

/** Everything in the host namespace that carries `prefix`: must be empty after a test. */
export async function leftoversWithPrefix(prefix: string): Promise<string[]> {
  const found: string[] = [];
  found.push(...(await listNetns()).filter((n) => isRuntimeNetns(prefix, n)).map((n) => `netns ${n}`));
  found.push(...(await listLinks()).filter((l) => isRuntimeLink(prefix, l)).map((l) => `link ${l}`));
  for (const table of ['filter', 'nat', 'raw']) {
    const { stdout } = await runHostCommand('iptables', ['-w', '5', '-t', table, '-S']);
    found.push(...stdout.split('\n').filter((l) => l.includes(`${prefix.toUpperCase()}_`)).map((l) => `${table}: ${l}`));
  }
  if (existsSync(NETNS_ETC_DIR)) found.push(...readdirSync(NETNS_ETC_DIR).filter((d) => isRuntimeNetns(prefix, d)).map((d) => `${NETNS_ETC_DIR}/${d}`));
  return found;
}
