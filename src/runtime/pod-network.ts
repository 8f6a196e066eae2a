import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PlexusError } from '../api/errors.js';
import { AddressAllocator, releaseAddressClaims } from './address-allocator.js';
import { runHostCommand, runInNetns } from './host-command.js';
import { formatCidr } from './ipv4-cidr.js';
import { ensureBridge, linkExists, removeBridge } from './pod-bridge.js';
import {
  hostVethName,
  podNetnsName,
  resolvePodNetworkConfig,
  runtimeStatePaths,
  type PodNetworkConfig,
  type PodNetworkOptions,
} from './pod-network-config.js';
import { formatResolvConf, podSearchDomains, readResolvConf, type ResolvConf } from './resolv-conf.js';
import { defaultRuntimeLogger } from './runtime-log.js';
import { readJsonIfPresent, writeJsonAtomic } from './state-file.js';

/** `ip netns exec` bind-mounts files from here over /etc inside the namespace. */
export const NETNS_ETC_DIR = '/etc/netns';

/** What to create: one workload's pod. */
export interface PodSpec {
  readonly namespace: string;
  readonly name: string;
  /**
   * The pod's resolv.conf. Default: the host's nameservers, kubelet's search list for the
   * namespace (`<ns>.svc.cluster.local svc.cluster.local cluster.local`, then the host's)
   * and `ndots:5`, so short mesh names resolve through the DNS proxy like in Kubernetes.
   * `false` leaves the host's file visible.
   */
  readonly dns?: false | Partial<ResolvConf> & { readonly domainSuffix?: string };
}

/** A pod as created; also its record in the state directory. */
export interface PodRecord {
  readonly namespace: string;
  readonly name: string;
  /** Network namespace name (`ip netns exec <netns> …`). */
  readonly netns: string;
  /** Path of the namespace handle, for setns(2) users. */
  readonly netnsPath: string;
  /** Host end of the veth pair, attached to the bridge. */
  readonly hostVeth: string;
  /** The pod end, inside the namespace. */
  readonly podInterface: 'eth0';
  readonly address: string;
  readonly prefixLength: number;
  readonly gateway: string;
  readonly bridge: string;
  /** Directory under /etc/netns holding the pod's resolv.conf, when one was written. */
  readonly etcDir?: string;
  readonly createdAt: string;
}

/**
 * The local pod network: one Linux bridge in the host namespace and, per workload, a
 * network namespace joined to it by a veth pair. Needs root, iproute2 and iptables.
 *
 * Every kernel object is recorded under the state directory before it is created, so a
 * crashed run leaves a trail for {@link cleanupLeftovers}; objects are also named with the
 * runtime prefix so cleanup finds them even without the records.
 */
export class PodNetwork {
  readonly config: PodNetworkConfig;
  private readonly log: Logger;
  private readonly allocator: AddressAllocator;

  constructor(options: PodNetworkOptions & { readonly logger?: Logger }) {
    this.config = resolvePodNetworkConfig(options);
    this.log = options.logger ?? defaultRuntimeLogger('pod-network');
    this.allocator = new AddressAllocator(runtimeStatePaths(this.config.stateDir).addresses, this.config.podCidr, [this.config.gateway]);
  }

  /** Creates the bridge and host rules (also done by the first {@link createPod}). */
  async ensureBridge(): Promise<void> {
    await ensureBridge(this.config, this.log);
  }

  /**
   * Creates a pod: namespace, veth pair into the bridge, an address from the pod network,
   * loopback up, default route and the VIP route via the bridge, resolv.conf. On failure
   * everything made so far is removed before the error is thrown.
   */
  async createPod(spec: PodSpec): Promise<PodRecord> {
    const { prefix, bridge, gateway, podCidr, vipCidr } = this.config;
    const netns = podNetnsName(prefix, spec.namespace, spec.name);
    const netnsPath = `/run/netns/${netns}`;
    if (existsSync(netnsPath)) {
      throw new PlexusError('PLEXUS_ERR_HOST_NETWORK', `network namespace ${netns} already exists: remove the pod first (or run cleanup after a crash)`);
    }
    await this.ensureBridge();
    const address = await this.allocator.claim(netns);
    const hostVeth = hostVethName(prefix, netns);
    const etcDir = spec.dns === false ? undefined : join(NETNS_ETC_DIR, netns);
    const record: PodRecord = {
      namespace: spec.namespace,
      name: spec.name,
      netns,
      netnsPath,
      hostVeth,
      podInterface: 'eth0',
      address,
      prefixLength: podCidr.prefixLength,
      gateway,
      bridge,
      ...(etcDir ? { etcDir } : {}),
      createdAt: new Date().toISOString(),
    };
    await writeJsonAtomic(this.recordPath(netns), record);
    try {
      await runHostCommand('ip', ['netns', 'add', netns]);
      // The peer is created directly inside the namespace, so "eth0" never clashes with the host's.
      await runHostCommand('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
      await runHostCommand('ip', ['link', 'set', hostVeth, 'master', bridge]);
      await runHostCommand('ip', ['link', 'set', hostVeth, 'up']);
      await runInNetns(netns, 'ip', ['link', 'set', 'lo', 'up']);
      await runInNetns(netns, 'ip', ['addr', 'add', `${address}/${podCidr.prefixLength}`, 'dev', 'eth0']);
      await runInNetns(netns, 'ip', ['link', 'set', 'eth0', 'up']);
      await runInNetns(netns, 'ip', ['route', 'add', 'default', 'via', gateway, 'dev', 'eth0']);
      // Explicit even with a default route: VIPs must leave through eth0 (where nothing
      // answers) so that connect() gets as far as the nat OUTPUT capture.
      await runInNetns(netns, 'ip', ['route', 'add', formatCidr(vipCidr), 'via', gateway, 'dev', 'eth0']);
      if (etcDir && spec.dns !== false) await this.writeResolvConf(etcDir, spec);
    } catch (err) {
      await this.removePod(spec.namespace, spec.name).catch((cleanupErr: unknown) => {
        this.log.error({ err: cleanupErr, netns }, 'cleanup after a failed pod creation failed');
      });
      throw err;
    }
    this.log.info({ netns, address, hostVeth }, 'created pod');
    return record;
  }

  /**
   * Removes a pod and everything it held. Stop the pod's processes first: a namespace
   * outlives `ip netns del` while a process is still inside it.
   */
  async removePod(namespace: string, name: string): Promise<void> {
    await removePodByNetns(this.config.prefix, this.config.stateDir, podNetnsName(this.config.prefix, namespace, name), this.log);
  }

  /** The pods recorded in the state directory. */
  async listPods(): Promise<PodRecord[]> {
    return listPodRecords(this.config.stateDir);
  }

  /** The record of one pod, if it exists. */
  async getPod(namespace: string, name: string): Promise<PodRecord | undefined> {
    return readJsonIfPresent<PodRecord>(this.recordPath(podNetnsName(this.config.prefix, namespace, name)));
  }

  /** Removes every pod, then the bridge and host rules. */
  async teardown(): Promise<void> {
    for (const pod of await this.listPods()) await this.removePod(pod.namespace, pod.name);
    await removeBridge(this.config.prefix, this.config.stateDir, this.log);
  }

  private recordPath(netns: string): string {
    return join(runtimeStatePaths(this.config.stateDir).pods, `${netns}.json`);
  }

  private async writeResolvConf(etcDir: string, spec: PodSpec): Promise<void> {
    const dns = spec.dns === false ? {} : spec.dns ?? {};
    const host = await readResolvConf();
    const conf: ResolvConf = {
      nameservers: dns.nameservers ?? host.nameservers,
      search: dns.search ?? podSearchDomains(spec.namespace, dns.domainSuffix ?? 'cluster.local', host.search),
      options: dns.options ?? ['ndots:5'],
    };
    await mkdir(etcDir, { recursive: true });
    await writeFile(join(etcDir, 'resolv.conf'), formatResolvConf(conf));
  }
}

/** Every pod record under `stateDir`. */
export async function listPodRecords(stateDir: string): Promise<PodRecord[]> {
  const dir = runtimeStatePaths(stateDir).pods;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: PodRecord[] = [];
  for (const file of names.filter((n) => n.endsWith('.json')).sort()) {
    const record = await readJsonIfPresent<PodRecord>(join(dir, file));
    if (record) out.push(record);
  }
  return out;
}

/**
 * Removes one pod's namespace, veth, /etc/netns directory, address claim and record. Each
 * step is tried even if an earlier one failed, so that a half-made pod is fully removed.
 */
export async function removePodByNetns(prefix: string, stateDir: string, netns: string, logger: Logger): Promise<void> {
  const paths = runtimeStatePaths(stateDir);
  const recordPath = join(paths.pods, `${netns}.json`);
  const record = await readJsonIfPresent<PodRecord>(recordPath);
  const hostVeth = record?.hostVeth ?? hostVethName(prefix, netns);
  const errors: unknown[] = [];
  const attempt = async (step: () => Promise<unknown>): Promise<void> => {
    try {
      await step();
    } catch (err) {
      errors.push(err);
    }
  };
  // Deleting one end of a veth pair deletes both; done first so the pod is off the bridge
  // even if a process keeps its namespace alive.
  if (await linkExists(hostVeth)) await attempt(() => runHostCommand('ip', ['link', 'del', hostVeth]));
  if (existsSync(`/run/netns/${netns}`)) await attempt(() => runHostCommand('ip', ['netns', 'del', netns]));
  await attempt(() => rm(join(NETNS_ETC_DIR, netns), { recursive: true, force: true }));
  await attempt(() => releaseAddressClaims(paths.addresses, netns));
  if (errors.length > 0) throw errors[0];
  await rm(recordPath, { force: true });
  logger.info({ netns }, 'removed pod');
}
