import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readAddressClaims, releaseAddressClaims } from './address-allocator.js';
import { runHostCommand } from './host-command.js';
import { chainsWithPrefix, hostIptables } from './iptables-chains.js';
import { linkExists, removeBridge } from './pod-bridge.js';
import { DEFAULT_RUNTIME_PREFIX, isRuntimeLink, isRuntimeNetns, runtimeStatePaths } from './pod-network-config.js';
import { listPodRecords, NETNS_ETC_DIR, removePodByNetns } from './pod-network.js';
import { defaultRuntimeLogger } from './runtime-log.js';

/** What {@link cleanupLeftovers} removed. */
export interface CleanupReport {
  readonly netns: string[];
  readonly links: string[];
  readonly hostChains: string[];
  readonly etcDirs: string[];
  readonly addressClaims: string[];
}

/** Names of network namespaces (from `ip netns list`, whose lines read `name (id: N)`). */
export async function listNetns(): Promise<string[]> {
  const { stdout } = await runHostCommand('ip', ['netns', 'list']);
  return stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n.length > 0);
}

/** Names of links in the host namespace (a veth prints as `name@peer`). */
export async function listLinks(): Promise<string[]> {
  const { stdout } = await runHostCommand('ip', ['-o', 'link', 'show']);
  return stdout.split('\n').map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
}

/**
 * Removes whatever a crashed or killed run left behind under `prefix`: pods named in the
 * state directory, then any network namespace, veth or bridge with the prefix, the host
 * iptables chains, /etc/netns directories, address claims and records; restores
 * ip_forward if egress had changed it. Run it when no run with this state dir is alive
 * (`plexus up`/`down` do). Tries every step and throws the first failure at the end.
 */
export async function cleanupLeftovers(
  stateDir: string,
  options: { readonly prefix?: string; readonly logger?: Logger } = {},
): Promise<CleanupReport> {
  const prefix = options.prefix ?? DEFAULT_RUNTIME_PREFIX;
  const log = options.logger ?? defaultRuntimeLogger('runtime-cleanup');
  const paths = runtimeStatePaths(stateDir);
  const report: CleanupReport = { netns: [], links: [], hostChains: [], etcDirs: [], addressClaims: [] };
  const errors: unknown[] = [];
  const attempt = async (step: () => Promise<unknown>): Promise<void> => {
    try {
      await step();
    } catch (err) {
      errors.push(err);
      log.warn({ err }, 'cleanup step failed');
    }
  };

  // Pods by record first (their veth names are recorded), then anything found by name.
  const recorded = (await listPodRecords(stateDir)).map((p) => p.netns);
  const live = (await listNetns()).filter((n) => isRuntimeNetns(prefix, n));
  for (const netns of new Set([...recorded, ...live])) {
    await attempt(async () => {
      await removePodByNetns(prefix, stateDir, netns, log);
      report.netns.push(netns);
    });
  }

  // A veth whose namespace is gone disappears with it; one left here was never moved into a
  // namespace (a crash between the two steps). The bridge goes last, with the host rules.
  const links = (await listLinks()).filter((l) => isRuntimeLink(prefix, l));
  for (const link of links.filter((l) => l !== `${prefix}0`)) {
    await attempt(async () => {
      // The peer of a veth already deleted went with it.
      if (!(await linkExists(link))) return;
      await runHostCommand('ip', ['link', 'del', link]);
      report.links.push(link);
    });
  }
  await attempt(async () => {
    const chainPrefix = `${prefix.toUpperCase()}_`;
    const chains = [...await chainsWithPrefix(hostIptables, 'filter', chainPrefix), ...await chainsWithPrefix(hostIptables, 'nat', chainPrefix)];
    await removeBridge(prefix, stateDir, log);
    report.hostChains.push(...chains);
    if (links.includes(`${prefix}0`)) report.links.push(`${prefix}0`);
  });

  await attempt(async () => {
    let entries: string[] = [];
    try {
      entries = await readdir(NETNS_ETC_DIR);
    } catch {
      return;
    }
    for (const dir of entries.filter((d) => isRuntimeNetns(prefix, d))) {
      await rm(join(NETNS_ETC_DIR, dir), { recursive: true, force: true });
      report.etcDirs.push(dir);
    }
  });
  await attempt(async () => {
    for (const [address, owner] of await readAddressClaims(paths.addresses)) {
      if (!isRuntimeNetns(prefix, owner)) continue;
      await releaseAddressClaims(paths.addresses, owner);
      report.addressClaims.push(address);
    }
  });
  if (errors.length > 0) throw errors[0];
  log.info({ report }, 'cleaned up runtime leftovers');
  return report;
}
