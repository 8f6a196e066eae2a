import { runHostCommand, runInNetns, type CommandResult } from './host-command.js';

/** The iptables tools the runtime calls. */
export type IptablesTool = 'iptables' | 'iptables-restore' | 'iptables-save';

/** Runs an iptables tool somewhere: in the host namespace or inside a pod's namespace. */
export type IptablesRunner = (tool: IptablesTool, args: readonly string[], input?: string) => Promise<CommandResult>;

/** Wait for the xtables lock rather than fail when another tool (Docker, a second run) holds it. */
const WAIT = ['-w', '5'];

/** iptables in the host network namespace. */
export const hostIptables: IptablesRunner = (tool, args, input) =>
  runHostCommand(tool, tool === 'iptables-save' ? args : [...WAIT, ...args], { input });

/** iptables inside the named network namespace (each namespace has its own tables). */
export function netnsIptables(netns: string): IptablesRunner {
  return (tool, args, input) => runInNetns(netns, tool, tool === 'iptables-save' ? args : [...WAIT, ...args], { input });
}

/** Splits one `iptables -S` line into arguments, honouring the double quotes it prints around comments. */
export function splitRuleLine(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? ''));
  return out;
}

/**
 * Removes every chain of `table` whose name starts with `chainPrefix`, and first every rule
 * elsewhere that jumps to one (a chain cannot be deleted while referenced). Idempotent: a
 * table with none of them is left untouched. Returns the chains removed.
 */
export async function removeChainsWithPrefix(run: IptablesRunner, table: string, chainPrefix: string): Promise<string[]> {
  const { stdout } = await run('iptables', ['-t', table, '-S']);
  const lines = stdout.split('\n').map(splitRuleLine).filter((a) => a.length > 0);
  const ours = (chain: string | undefined): boolean => chain !== undefined && chain.startsWith(chainPrefix);
  const chains = lines.filter((a) => a[0] === '-N' && ours(a[1])).map((a) => a[1] as string);
  for (const args of lines) {
    if (args[0] !== '-A' || ours(args[1])) continue;
    const jump = args.findIndex((a) => a === '-j' || a === '-g');
    if (jump < 0 || !ours(args[jump + 1])) continue;
    await run('iptables', ['-t', table, '-D', ...args.slice(1)]);
  }
  for (const chain of chains) await run('iptables', ['-t', table, '-F', chain]);
  for (const chain of chains) await run('iptables', ['-t', table, '-X', chain]);
  return chains;
}

/** Names of the chains in `table` that start with `chainPrefix`. */
export async function chainsWithPrefix(run: IptablesRunner, table: string, chainPrefix: string): Promise<string[]> {
  const { stdout } = await run('iptables', ['-t', table, '-S']);
  return stdout.split('\n').map(splitRuleLine).filter((a) => a[0] === '-N' && a[1]?.startsWith(chainPrefix)).map((a) => a[1] as string);
}
