import { isIPv4, isIPv6 } from 'node:net';
import type { CidrRange } from '../config/model.js';

/** An IP address as a number of `bits` (32 or 128), comparable bit by bit. */
export interface ParsedIp {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

/**
 * Parses an IPv4 or IPv6 literal. IPv4-mapped IPv6 (`::ffff:10.1.2.3`, what a dual-stack
 * server reports for IPv4 peers) is folded to IPv4 so that IPv4 ranges match it.
 */
export function parseIp(address: string): ParsedIp | undefined {
  const plain = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const zoneless = plain.split('%')[0];
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(zoneless);
  if (mapped) return parseIp(mapped[1]);
  if (isIPv4(zoneless)) {
    const value = zoneless.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    return { bits: 32, value };
  }
  if (!isIPv6(zoneless)) return undefined;
  let text = zoneless;
  // A trailing dotted quad counts as the last two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const v4 = parseIp(quad[1]);
    if (!v4) return undefined;
    text = `${text.slice(0, -quad[1].length)}${(v4.value >> 16n).toString(16)}:${(v4.value & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  if (groups.length !== 8) return undefined;
  const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  return { bits: 128, value };
}

/** True when `ip` lies inside `range`; families must agree (after IPv4-mapped folding). */
export function cidrContains(range: CidrRange, ip: ParsedIp): boolean {
  const base = parseIp(range.addressPrefix);
  if (!base || base.bits !== ip.bits) return false;
  const len = Math.max(0, Math.min(range.prefixLen, base.bits));
  if (len === 0) return true;
  const shift = BigInt(base.bits - len);
  return base.value >> shift === ip.value >> shift;
}

/** The longest prefix among `ranges` that contains `ip`, or -1 when none does. */
export function longestPrefixMatch(ranges: readonly CidrRange[], ip: ParsedIp | undefined): number {
  if (!ip) return -1;
  let best = -1;
  for (const r of ranges) if (r.prefixLen > best && cidrContains(r, ip)) best = r.prefixLen;
  return best;
}
