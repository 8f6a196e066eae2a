import { createHash } from 'node:crypto';

/** Where the local controller allocates service VIPs (RFC 2544 benchmarking range, never routed). */
export const DEFAULT_SERVICE_VIP_CIDR = '198.19.0.0/16';

/** A host that wants a VIP: its FQDN and the namespace that defines it. */
export interface VipRequest {
  readonly hostname: string;
  readonly namespace: string;
}

function parseCidr(text: string): { base: number; size: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`VIP range ${JSON.stringify(text)} is not an IPv4 CIDR`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30) throw new Error(`VIP range ${text} is not a usable IPv4 CIDR (/8 to /30)`);
  const size = 2 ** (32 - bits);
  const value = ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
  return { base: value - (value % size), size };
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/**
 * Allocates a VIP per requested host, deterministically: the address is derived from a hash
 * of `namespace/hostname` and probed linearly past addresses already taken, with requests
 * handled in sorted order. The same set of hosts always gets the same VIPs, whichever order
 * the store lists them in, and a new host moves nobody else's VIP unless it collides with a
 * hash slot (rare in a /16), which keeps DNS answers stable across controller restarts.
 * `taken` holds addresses given explicitly (clusterIP, ServiceEntry `addresses`).
 */
export function allocateVips(requests: readonly VipRequest[], cidr: string, taken: Iterable<string> = []): Map<string, string> {
  const { base, size } = parseCidr(cidr);
  // The network and broadcast addresses are never handed out.
  const usable = size - 2;
  const used = new Set(taken);
  const out = new Map<string, string>();
  const sorted = [...new Map(requests.map((r) => [`${r.namespace}/${r.hostname}`, r])).keys()].sort();
  for (const key of sorted) {
    const digest = createHash('sha256').update(key).digest();
    let offset = digest.readUInt32BE(0) % usable;
    for (let tries = 0; tries < usable; tries++) {
      const address = formatIpv4(base + 1 + offset);
      if (!used.has(address)) {
        used.add(address);
        out.set(key, address);
        break;
      }
      offset = (offset + 1) % usable;
    }
  }
  return out;
}

/** The key {@link allocateVips} answers under. */
export function vipKey(namespace: string, hostname: string): string {
  return `${namespace}/${hostname}`;
}
