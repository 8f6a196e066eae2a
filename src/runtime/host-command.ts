import { spawn } from 'node:child_process';
import { PlexusError } from '../api/errors.js';

/** What a finished host command printed. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for {@link runHostCommand}. */
export interface HostCommandOptions {
  /** Written to the command's stdin (iptables-restore reads its rules there). */
  readonly input?: string;
  /** Kill the command after this long; host tools should answer in well under a second. */
  readonly timeoutMs?: number;
}

/** Which Debian package provides a tool, for the "not found" message. */
const PACKAGES: Record<string, string> = {
  ip: 'iproute2',
  iptables: 'iptables',
  'iptables-restore': 'iptables',
  'iptables-save': 'iptables',
  setpriv: 'util-linux',
};

/**
 * Runs a host tool (`ip`, `iptables`, …) without a shell and returns its output. Any failure
 * becomes a PlexusError PLEXUS_ERR_HOST_NETWORK whose message holds the full command line and
 * what the tool printed, because "RTNETLINK answers: File exists" means nothing without the
 * command that caused it.
 */
export function runHostCommand(file: string, args: readonly string[], options: HostCommandOptions = {}): Promise<CommandResult> {
  const commandLine = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 15_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'ENOENT'
        ? `\`${file}\` is not installed (Debian package ${PACKAGES[file] ?? file})`
        : err.message;
      reject(new PlexusError('PLEXUS_ERR_HOST_NETWORK', `${commandLine}: ${hint}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const why = signal ? `killed by ${signal}` : `exit ${code}`;
      const detail = (stderr.trim() || stdout.trim()).split('\n').slice(-5).join(' | ');
      reject(new PlexusError('PLEXUS_ERR_HOST_NETWORK', `${commandLine}: ${why}${detail ? `: ${detail}` : ''}`));
    });
    // EPIPE when the tool exits before reading stdin is reported through 'close' instead.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Like {@link runHostCommand} inside a named network namespace (`ip netns exec`). */
export function runInNetns(netns: string, file: string, args: readonly string[], options: HostCommandOptions = {}): Promise<CommandResult> {
  return runHostCommand('ip', ['netns', 'exec', netns, file, ...args], options);
}

/** Runs a command for its side effect and swallows the failure; for idempotent cleanup steps. */
export async function runHostCommandQuietly(file: string, args: readonly string[]): Promise<boolean> {
  try {
    await runHostCommand(file, args);
    return true;
  } catch {
    return false;
  }
}
