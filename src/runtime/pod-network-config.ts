import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { cidrContains, cidrHost, formatCidr, parseIpv4Cidr, type Ipv4Cidr } from './ipv4-cidr.js';

/** Pod addresses (RFC 2544 benchmarking range, never a private range a user may route). */
export const DEFAULT_POD_CIDR = '198.18.0.0/16';
/** Service VIPs; never routed anywhere, only captured inside pods. */
export const DEFAULT_VIP_CIDR = '198.19.0.0/16';
/** Prefix of every kernel object and state file the runtime makes. */
export const DEFAULT_RUNTIME_PREFIX = 'plexus';

/** How the local pod network is laid out. Everything except `stateDir` has a default. */
export interface PodNetworkOptions {
  /** Directory for allocations and pod records (e.g. `$PLEXUS_HOME/runtime`). */
  readonly stateDir: string;
  /**
   * Prefix of network namespaces (`<prefix>-<ns>-<name>`), links (`<prefix>0` bridge,
   * `<prefix>v<hash>` veths) and host iptables chains (`<PREFIX>_…`). 1–8 characters
   * [a-z0-9]; tests use their own so they never touch a real run's objects.
   */
  readonly prefix?: string;
  /** Pod network; the bridge takes the first host address unless `gateway` says otherwise. */
  readonly podCidr?: string;
  readonly gateway?: string;
  /** Service VIP range, routed out of each pod's eth0 so the capture rules see it. */
  readonly vipCidr?: string;
  /**
   * Let pods reach beyond the host (DNS upstreams, external services): turns on
   * net.ipv4.ip_forward and masquerades the pod network. Off by default because it changes
   * host-wide state; the previous ip_forward value is restored at teardown.
   */
  readonly egress?: boolean;
}

/** {@link PodNetworkOptions} with defaults applied and names derived. */
export interface PodNetworkConfig {
  readonly stateDir: string;
  readonly prefix: string;
  readonly bridge: string;
  readonly podCidr: Ipv4Cidr;
  readonly gateway: string;
  readonly vipCidr: Ipv4Cidr;
  readonly egress: boolean;
  /** Host iptables chains are named `<hostChainPrefix>FORWARD`, `…POSTROUTING`. */
  readonly hostChainPrefix: string;
}

/** Validates options and derives names; throws a plain Error saying which option is wrong. */
export function resolvePodNetworkConfig(options: PodNetworkOptions): PodNetworkConfig {
  const prefix = options.prefix ?? DEFAULT_RUNTIME_PREFIX;
  // Interface names hold 15 characters: prefix + 'v' + at least 6 hash characters.
  if (!/^[a-z][a-z0-9]{0,7}$/.test(prefix)) throw new Error(`runtime prefix "${prefix}" must be 1-8 characters [a-z0-9], starting with a letter`);
  const podCidr = parseIpv4Cidr(options.podCidr ?? DEFAULT_POD_CIDR);
  if (podCidr.prefixLength > 29) throw new Error(`pod network ${formatCidr(podCidr)} is too small`);
  const vipCidr = parseIpv4Cidr(options.vipCidr ?? DEFAULT_VIP_CIDR);
  const gateway = options.gateway ?? cidrHost(podCidr, 1);
  if (!cidrContains(podCidr, gateway)) throw new Error(`gateway ${gateway} is not inside the pod network ${formatCidr(podCidr)}`);
  return {
    stateDir: options.stateDir,
    prefix,
    bridge: `${prefix}0`,
    podCidr,
    gateway,
    vipCidr,
    egress: options.egress ?? false,
    hostChainPrefix: `${prefix.toUpperCase()}_`,
  };
}

/** The network namespace of a workload: `<prefix>-<namespace>-<name>`. */
export function podNetnsName(prefix: string, namespace: string, name: string): string {
  for (const [what, value] of [['namespace', namespace], ['name', name]] as const) {
    // DNS-1123 labels (what Kubernetes allows for both), which are also safe file names.
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) throw new Error(`workload ${what} "${value}" must be a DNS-1123 label`);
  }
  return `${prefix}-${namespace}-${name}`;
}

/**
 * The host end of a pod's veth pair. Interface names are limited to 15 characters, so the
 * namespace name is hashed; the pod record keeps the mapping.
 */
export function hostVethName(prefix: string, netns: string): string {
  const room = 15 - prefix.length - 1;
  return `${prefix}v${createHash('sha256').update(netns).digest('hex').slice(0, room)}`;
}

/** True for a network namespace made under `prefix`. */
export function isRuntimeNetns(prefix: string, name: string): boolean {
  return name.startsWith(`${prefix}-`);
}

/** True for a bridge or veth made under `prefix`. */
export function isRuntimeLink(prefix: string, name: string): boolean {
  return name === `${prefix}0` || new RegExp(`^${prefix}v[0-9a-f]+$`).test(name);
}

/** Files under the state directory. */
export interface RuntimeStatePaths {
  /** The bridge and host-wide settings this runtime changed (to undo them). */
  readonly network: string;
  /** One JSON record per pod, written before any kernel object exists. */
  readonly pods: string;
  /** One file per claimed address, created exclusively (the allocator's lock). */
  readonly addresses: string;
}

/** Where the runtime keeps its records inside `stateDir`. */
export function runtimeStatePaths(stateDir: string): RuntimeStatePaths {
  return {
    network: join(stateDir, 'network.json'),
    pods: join(stateDir, 'pods'),
    addresses: join(stateDir, 'addresses'),
  };
}
