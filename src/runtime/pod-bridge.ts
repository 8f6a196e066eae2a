import { readFile, rm, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { runHostCommand } from './host-command.js';
import { formatCidr } from './ipv4-cidr.js';
import { hostIptables, removeChainsWithPrefix } from './iptables-chains.js';
import { runtimeStatePaths, type PodNetworkConfig } from './pod-network-config.js';
import { readJsonIfPresent, writeJsonAtomic } from './state-file.js';

/** What the runtime changed in the host namespace, recorded so teardown can undo exactly that. */
export interface NetworkRecord {
  readonly prefix: string;
  readonly bridge: string;
  readonly podCidr: string;
  readonly gateway: string;
  readonly egress: boolean;
  /** net.ipv4.ip_forward before egress turned it on; restored at teardown. */
  readonly ipForwardBefore?: string;
}

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/** True when the link exists in the host namespace. */
export async function linkExists(name: string): Promise<boolean> {
  try {
    await runHostCommand('ip', ['link', 'show', 'dev', name]);
    return true;
  } catch {
    return false;
  }
}

// "File exists" from a concurrent run that did the same step first is success.
async function idempotent(step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (err) {
    if (!/File exists|already exists|Chain already/i.test((err as Error).message)) throw err;
  }
}

/**
 * Creates the pod bridge with the gateway address, and the host rules the pod network needs.
 * Idempotent and safe to run from several processes at once.
 *
 * Host rules: a `<PREFIX>_FORWARD` chain, jumped to first from FORWARD, accepts traffic in
 * and out of the bridge. Pod-to-pod traffic is bridged, but with br_netfilter loaded
 * (Docker loads it) bridged frames traverse FORWARD, whose policy Docker sets to DROP.
 * With egress, `<PREFIX>_POSTROUTING` masquerades the pod network leaving the host.
 */
export async function ensureBridge(config: PodNetworkConfig, logger: Logger): Promise<void> {
  const { bridge, gateway } = config;
  const paths = runtimeStatePaths(config.stateDir);
  const previous = await readJsonIfPresent<NetworkRecord>(paths.network);
  // Record first: a crash after creating the bridge must leave a trail for cleanupLeftovers.
  let ipForwardBefore = previous?.ipForwardBefore;
  if (config.egress && ipForwardBefore === undefined) ipForwardBefore = (await readFile(IP_FORWARD, 'utf8')).trim();
  const record: NetworkRecord = {
    prefix: config.prefix,
    bridge,
    podCidr: formatCidr(config.podCidr),
    gateway,
    egress: config.egress || (previous?.egress ?? false),
    ...(ipForwardBefore !== undefined ? { ipForwardBefore } : {}),
  };
  await writeJsonAtomic(paths.network, record);

  if (!(await linkExists(bridge))) {
    await idempotent(() => runHostCommand('ip', ['link', 'add', bridge, 'type', 'bridge']));
    logger.info({ bridge }, 'created pod bridge');
  }
  const { stdout } = await runHostCommand('ip', ['-o', '-4', 'addr', 'show', 'dev', bridge]);
  if (!stdout.includes(` ${gateway}/`)) {
    await idempotent(() => runHostCommand('ip', ['addr', 'add', `${gateway}/${config.podCidr.prefixLength}`, 'dev', bridge]));
  }
  await runHostCommand('ip', ['link', 'set', bridge, 'up']);

  const forward = `${config.hostChainPrefix}FORWARD`;
  const chains = (await hostIptables('iptables', ['-t', 'filter', '-S'])).stdout;
  if (!chains.includes(`-N ${forward}\n`)) {
    await idempotent(() => hostIptables('iptables', ['-t', 'filter', '-N', forward]));
    await hostIptables('iptables', ['-t', 'filter', '-A', forward, '-i', bridge, '-j', 'ACCEPT']);
    await hostIptables('iptables', ['-t', 'filter', '-A', forward, '-o', bridge, '-j', 'ACCEPT']);
    await hostIptables('iptables', ['-t', 'filter', '-I', 'FORWARD', '1', '-j', forward]);
  }
  if (config.egress) {
    const postrouting = `${config.hostChainPrefix}POSTROUTING`;
    const natChains = (await hostIptables('iptables', ['-t', 'nat', '-S'])).stdout;
    if (!natChains.includes(`-N ${postrouting}\n`)) {
      await idempotent(() => hostIptables('iptables', ['-t', 'nat', '-N', postrouting]));
      await hostIptables('iptables', ['-t', 'nat', '-A', postrouting, '-s', formatCidr(config.podCidr), '!', '-o', bridge, '-j', 'MASQUERADE']);
      await hostIptables('iptables', ['-t', 'nat', '-A', 'POSTROUTING', '-j', postrouting]);
    }
    await writeFile(IP_FORWARD, '1\n');
  }
}

/**
 * Undoes {@link ensureBridge}: host chains, ip_forward, the bridge, the record. Every step is
 * attempted even when an earlier one fails; the first failure is thrown at the end.
 */
export async function removeBridge(prefix: string, stateDir: string, logger: Logger): Promise<void> {
  const paths = runtimeStatePaths(stateDir);
  const record = await readJsonIfPresent<NetworkRecord>(paths.network);
  const bridge = record?.bridge ?? `${prefix}0`;
  const chainPrefix = `${prefix.toUpperCase()}_`;
  const errors: unknown[] = [];
  const attempt = async (step: () => Promise<unknown>): Promise<void> => {
    try {
      await step();
    } catch (err) {
      errors.push(err);
    }
  };
  await attempt(() => removeChainsWithPrefix(hostIptables, 'filter', chainPrefix));
  await attempt(() => removeChainsWithPrefix(hostIptables, 'nat', chainPrefix));
  if (record?.ipForwardBefore !== undefined) {
    const before = record.ipForwardBefore;
    await attempt(() => writeFile(IP_FORWARD, `${before}\n`));
  }
  if (await linkExists(bridge)) {
    await attempt(() => runHostCommand('ip', ['link', 'del', bridge]));
    logger.info({ bridge }, 'removed pod bridge');
  }
  if (errors.length === 0) await rm(paths.network, { force: true });
  if (errors.length > 0) throw errors[0];
}
