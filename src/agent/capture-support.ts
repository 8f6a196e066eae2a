import { spawnSync } from 'node:child_process';
import { originalDstStatus } from '../runtime/original-dst.js';

/** Whether workloads can run in pods with transparent capture here, and if not, why. */
export type CaptureSupport = { readonly pods: true } | { readonly pods: false; readonly reason: string };

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Pods with iptables capture need Linux, root (namespaces, veths, rules), iproute2,
 * iptables, setpriv (to drop to the proxy's and the app's uids) and the SO_ORIGINAL_DST
 * addon; anything missing means explicit mode.
 */
export function captureSupport(): CaptureSupport {
  if (process.platform !== 'linux') return { pods: false, reason: `pods need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { pods: false, reason: 'pods need root (network namespaces and iptables)' };
  for (const tool of ['ip', 'iptables', 'iptables-restore', 'setpriv']) {
    if (!hasTool(tool)) return { pods: false, reason: `pods need ${tool}, which is not on PATH` };
  }
  const addon = originalDstStatus();
  if (!addon.available) return { pods: false, reason: addon.reason };
  return { pods: true };
}
