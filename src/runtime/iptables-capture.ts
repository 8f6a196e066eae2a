import type { Logger } from 'pino';
import { netnsIptables, removeChainsWithPrefix, type IptablesRunner } from './iptables-chains.js';
import { defaultRuntimeLogger } from './runtime-log.js';

/**
 * Chain names. Plexus writes Istio's rule layout under its own names (PLEXUS_* for ISTIO_*),
 * so `iptables -t nat -S` in a pod reads like an Istio pod's while never being mistaken for
 * (or cleaned up by) Istio's own tooling, and removal can match on one prefix.
 */
export const CAPTURE_CHAINS = {
  inbound: 'PLEXUS_INBOUND',
  redirect: 'PLEXUS_REDIRECT',
  inRedirect: 'PLEXUS_IN_REDIRECT',
  output: 'PLEXUS_OUTPUT',
  outputDns: 'PLEXUS_OUTPUT_DNS',
} as const;

/** Prefix shared by every capture chain, in the nat and raw tables. */
export const CAPTURE_CHAIN_PREFIX = 'PLEXUS_';

/** Ports a sidecar serves itself; inbound traffic to them is never redirected (as Istio). */
export const SIDECAR_INBOUND_EXCLUDED_PORTS: readonly number[] = [15090, 15021, 15020];
/** HBONE: excluded from inbound and from the proxy's loopback path, like Istio. */
export const HBONE_PORT = 15008;
/** Source address the inbound proxy binds when it connects to the local app; never captured. */
export const INBOUND_PASSTHROUGH_SOURCE = '127.0.0.6';

/** What to capture in a pod. Defaults are Istio's sidecar defaults. */
export interface CaptureOptions {
  /** The proxy's uid: its own traffic is never captured (default 1337). */
  readonly proxyUid?: number;
  /** The proxy's gid, matched too, as Istio does (default: proxyUid). */
  readonly proxyGid?: number;
  /** Outbound capture port (virtualOutbound, default 15001). */
  readonly outboundPort?: number;
  /** Inbound capture port (virtualInbound, default 15006). */
  readonly inboundPort?: number;
  /** DNS proxy port (default 15053). */
  readonly dnsPort?: number;
  /** `'*'` (default) captures inbound TCP to every port; a list captures only those. */
  readonly inboundPorts?: '*' | readonly number[];
  /** Inbound ports never captured, in addition to 15008, 15090, 15021, 15020. */
  readonly inboundExcludePorts?: readonly number[];
  /** `'*'` (default) captures outbound TCP to every address; a list only to those CIDRs. */
  readonly outboundCidrs?: '*' | readonly string[];
  /** Destination CIDRs never captured. */
  readonly outboundExcludeCidrs?: readonly string[];
  /** Destination ports never captured (TCP and UDP). */
  readonly outboundExcludePorts?: readonly number[];
  /**
   * Redirect DNS (UDP and TCP port 53) from everyone but the proxy to the DNS proxy
   * (default true). Traffic to every DNS server is captured unless `dnsServers` narrows it
   * (Istio's default narrows to resolv.conf's nameservers; a Plexus pod's resolv.conf is
   * written by Plexus, so capturing all is equivalent and survives an app's own resolver).
   */
  readonly captureDns?: boolean;
  readonly dnsServers?: readonly string[];
  /** Capture inbound at all (default true). */
  readonly captureInbound?: boolean;
}

function ports(list: readonly number[]): string {
  return list.join(',');
}

/**
 * The capture rules as iptables-restore input (`--noflush`), nat table and, with DNS
 * capture, the raw table's conntrack zones. Pure: the same options give the same text.
 *
 * Layout and order follow Istio's istio-iptables in REDIRECT mode:
 * - PREROUTING → PLEXUS_INBOUND: sidecar ports RETURN, the rest → PLEXUS_IN_REDIRECT (15006).
 * - OUTPUT → PLEXUS_OUTPUT: excluded ports RETURN; the inbound proxy's connections from
 *   127.0.0.6 RETURN; the proxy talking to its own pod IP over lo goes the inbound path
 *   (an app calling its own service is served by the inbound listener, with policy); other
 *   users' lo traffic RETURNs (an app calling itself directly); the proxy's own traffic
 *   RETURNs; DNS goes to PLEXUS_OUTPUT_DNS; 127.0.0.1 and excluded CIDRs RETURN; the rest
 *   → PLEXUS_REDIRECT (15001).
 * - DNS conntrack zones in raw: the app↔DNS-proxy leg (zone 2) and the proxy↔upstream leg
 *   (zone 1) share port 53 tuples; separate zones keep their NAT entries from colliding.
 */
export function captureRules(options: CaptureOptions = {}): string {
  const C = CAPTURE_CHAINS;
  const uid = options.proxyUid ?? 1337;
  const gid = options.proxyGid ?? uid;
  const outboundPort = options.outboundPort ?? 15001;
  const inboundPort = options.inboundPort ?? 15006;
  const dnsPort = options.dnsPort ?? 15053;
  const dns = options.captureDns ?? true;
  const dnsServers = options.dnsServers ?? [];
  const owners: Array<['--uid-owner' | '--gid-owner', number]> = [['--uid-owner', uid], ['--gid-owner', gid]];

  const nat: string[] = ['*nat'];
  const chains = [C.inbound, C.redirect, C.inRedirect, C.output, ...(dns ? [C.outputDns] : [])];
  for (const chain of chains) nat.push(`:${chain} - [0:0]`);
  nat.push(`-A ${C.inbound} -p tcp --dport ${HBONE_PORT} -j RETURN`);
  nat.push(`-A ${C.redirect} -p tcp -j REDIRECT --to-ports ${outboundPort}`);
  nat.push(`-A ${C.inRedirect} -p tcp -j REDIRECT --to-ports ${inboundPort}`);

  const inboundPorts = options.inboundPorts ?? '*';
  if ((options.captureInbound ?? true) && (inboundPorts === '*' || inboundPorts.length > 0)) {
    nat.push(`-A PREROUTING -p tcp -j ${C.inbound}`);
    if (inboundPorts === '*') {
      for (const port of SIDECAR_INBOUND_EXCLUDED_PORTS) nat.push(`-A ${C.inbound} -p tcp --dport ${port} -j RETURN`);
      const excluded = options.inboundExcludePorts ?? [];
      if (excluded.length > 0) nat.push(`-A ${C.inbound} -p tcp -m multiport --dports ${ports(excluded)} -j RETURN`);
      nat.push(`-A ${C.inbound} -p tcp -j ${C.inRedirect}`);
    } else {
      for (const port of inboundPorts) nat.push(`-A ${C.inbound} -p tcp --dport ${port} -j ${C.inRedirect}`);
    }
  }

  // With DNS capture UDP must reach the chain too; without it only TCP is interesting.
  nat.push(dns ? `-A OUTPUT -j ${C.output}` : `-A OUTPUT -p tcp -j ${C.output}`);
  const excludedOut = options.outboundExcludePorts ?? [];
  if (excludedOut.length > 0) {
    nat.push(`-A ${C.output} -p tcp -m multiport --dports ${ports(excludedOut)} -j RETURN`);
    nat.push(`-A ${C.output} -p udp -m multiport --dports ${ports(excludedOut)} -j RETURN`);
  }
  nat.push(`-A ${C.output} -o lo -s ${INBOUND_PASSTHROUGH_SOURCE}/32 -j RETURN`);
  for (const [flag, id] of owners) {
    const notPorts = dns ? `-m multiport ! --dports 53,${HBONE_PORT}` : `! --dport ${HBONE_PORT}`;
    nat.push(`-A ${C.output} -o lo ! -d 127.0.0.1/32 -p tcp ${notPorts} -m owner ${flag} ${id} -j ${C.inRedirect}`);
    // With DNS capture an app's TCP DNS to a loopback resolver must still reach the DNS chain.
    nat.push(dns ? `-A ${C.output} -o lo -p tcp ! --dport 53 -m owner ! ${flag} ${id} -j RETURN` : `-A ${C.output} -o lo -m owner ! ${flag} ${id} -j RETURN`);
    nat.push(`-A ${C.output} -m owner ${flag} ${id} -j RETURN`);
  }
  if (dns) {
    nat.push(`-A ${C.output} -j ${C.outputDns}`);
    const targets = dnsServers.length > 0 ? dnsServers.map((s) => ` -d ${s}/32`) : [''];
    for (const d of targets) nat.push(`-A ${C.outputDns} -p tcp --dport 53${d} -j REDIRECT --to-ports ${dnsPort}`);
    for (const [flag, id] of owners) nat.push(`-A ${C.outputDns} -p udp --dport 53 -m owner ${flag} ${id} -j RETURN`);
    for (const d of targets) nat.push(`-A ${C.outputDns} -p udp --dport 53${d} -j REDIRECT --to-ports ${dnsPort}`);
  }
  nat.push(`-A ${C.output} -d 127.0.0.1/32 -j RETURN`);
  for (const cidr of options.outboundExcludeCidrs ?? []) nat.push(`-A ${C.output} -d ${cidr} -j RETURN`);
  const outboundCidrs = options.outboundCidrs ?? '*';
  if (outboundCidrs === '*') {
    nat.push(`-A ${C.output} -j ${C.redirect}`);
  } else {
    for (const cidr of outboundCidrs) nat.push(`-A ${C.output} -d ${cidr} -j ${C.redirect}`);
    nat.push(`-A ${C.output} -j RETURN`);
  }
  nat.push('COMMIT');

  if (!dns) return `${nat.join('\n')}\n`;
  const raw: string[] = ['*raw', `:${C.outputDns} - [0:0]`, `:${C.inbound} - [0:0]`, `-A OUTPUT -j ${C.outputDns}`];
  for (const [flag, id] of owners) {
    raw.push(`-A ${C.outputDns} -p udp --dport 53 -m owner ${flag} ${id} -j CT --zone 1`);
    raw.push(`-A ${C.outputDns} -p udp --sport ${dnsPort} -m owner ${flag} ${id} -j CT --zone 2`);
  }
  raw.push(`-A PREROUTING -j ${C.inbound}`);
  const servers = dnsServers.length > 0 ? dnsServers : [undefined];
  for (const s of servers) raw.push(`-A ${C.outputDns} -p udp --dport 53${s ? ` -d ${s}/32` : ''} -j CT --zone 2`);
  for (const s of servers) raw.push(`-A ${C.inbound} -p udp --sport 53${s ? ` -s ${s}/32` : ''} -j CT --zone 1`);
  raw.push('COMMIT');
  return `${nat.join('\n')}\n${raw.join('\n')}\n`;
}

/**
 * Installs the capture rules in a pod's network namespace, replacing any earlier set.
 * One iptables-restore call, so the pod never sees half the rules.
 */
export async function installCapture(netns: string, options: CaptureOptions = {}, logger: Logger = defaultRuntimeLogger('iptables-capture')): Promise<void> {
  const run = netnsIptables(netns);
  await removeCaptureWith(run);
  await run('iptables-restore', ['--noflush'], captureRules(options));
  logger.info({ netns }, 'installed capture rules');
}

/** Removes every capture chain (and the jumps to them) from a pod's namespace. Idempotent. */
export async function removeCapture(netns: string, logger: Logger = defaultRuntimeLogger('iptables-capture')): Promise<void> {
  await removeCaptureWith(netnsIptables(netns));
  logger.info({ netns }, 'removed capture rules');
}

/** {@link removeCapture} through any runner (host namespace for VM-style capture, tests). */
export async function removeCaptureWith(run: IptablesRunner): Promise<void> {
  await removeChainsWithPrefix(run, 'nat', CAPTURE_CHAIN_PREFIX);
  await removeChainsWithPrefix(run, 'raw', CAPTURE_CHAIN_PREFIX);
}
