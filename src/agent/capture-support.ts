import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, parse } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  const closed = closedFolder(fileURLToPath(new URL('../../..', import.meta.url))) ?? closedFolder(dirname(process.execPath));
  if (closed) {
    return { pods: false, reason: `pods run the sidecar as uid 1337 and apps as another user, who cannot enter ${closed} (no o+x; a checkout under /root or mktemp -d is like this): chmod o+x ${closed}, or move the checkout` };
  }
  return { pods: true };
}

/** The first folder from the root down to `dir` that users other than its owner cannot enter. */
function closedFolder(dir: string): string | undefined {
  const chain: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    chain.unshift(d);
    if (d === parse(d).root) break;
  }
  return chain.find((d) => {
    try {
      return (statSync(d).mode & 0o001) === 0;
    } catch {
      return false;
    }
  });
}
