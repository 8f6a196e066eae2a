import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** Who a process in a pod runs as. */
export interface PodProcessIdentity {
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * The command line that runs `argv` inside a pod's network namespace, optionally as another
 * user. Entering a namespace (setns) needs root, so Node's own `uid`/`gid` spawn options
 * cannot be used: they would drop root before `ip netns exec` runs. Instead root enters the
 * namespace and `setpriv` switches uid, gid and clears supplementary groups right before
 * exec. Both tools exec in place, so the child's pid is the workload's pid (signals reach it).
 * `ip netns exec` also bind-mounts /etc/netns/<netns>/resolv.conf over /etc/resolv.conf.
 */
export function podCommand(netns: string, argv: readonly string[], identity: PodProcessIdentity = {}): { file: string; args: string[] } {
  const args = ['netns', 'exec', netns];
  if (identity.uid !== undefined || identity.gid !== undefined) {
    args.push('setpriv');
    if (identity.uid !== undefined) args.push(`--reuid=${identity.uid}`);
    if (identity.gid !== undefined) args.push(`--regid=${identity.gid}`);
    args.push('--clear-groups', '--');
  }
  return { file: 'ip', args: [...args, ...argv] };
}

/** Spawns `argv` inside a pod (see {@link podCommand}). */
export function spawnInPod(netns: string, argv: readonly string[], identity: PodProcessIdentity = {}, options: SpawnOptions = {}): ChildProcess {
  const { file, args } = podCommand(netns, argv, identity);
  return spawn(file, args, options);
}
