import type { UpstreamHost } from '../upstream-host.js';
import { xxhash64 } from '../xxhash64.js';
import type { LoadBalancer } from './load-balancer.js';
import { randomHash } from './ring-hash.js';

/** Envoy's default maglev table size (must be prime). */
export const DEFAULT_MAGLEV_TABLE_SIZE = 65537;

const ALT_MIX = 0x9e3779b97f4a7c15n;
const MASK = 0xffffffffffffffffn;

/**
 * MAGLEV (Eisenbud et al., 2016), weighted as in Envoy: each host walks its own permutation of
 * the table (offset `xxh64(key, 0) % M`, skip `xxh64(key, 1) % (M-1) + 1`) and claims free slots,
 * heavier hosts taking turns more often. Lookups are one modulo; removing a host remaps little
 * more than that host's share.
 */
export class MaglevLoadBalancer implements LoadBalancer {
  private readonly table: Int32Array;
  private readonly hosts: readonly UpstreamHost[];
  private readonly sizeBig: bigint;

  constructor(hosts: readonly UpstreamHost[], tableSize = DEFAULT_MAGLEV_TABLE_SIZE) {
    this.hosts = hosts;
    this.sizeBig = BigInt(tableSize);
    if (hosts.length === 0) {
      this.table = new Int32Array(0);
      return;
    }
    const m = tableSize;
    const table = new Int32Array(m).fill(-1);
    const offset = new Float64Array(hosts.length);
    const skip = new Float64Array(hosts.length);
    const next = new Float64Array(hosts.length);
    const targetWeight = new Float64Array(hosts.length);
    let maxWeight = 0;
    for (let i = 0; i < hosts.length; i++) {
      offset[i] = Number(xxhash64(hosts[i].key, 0n) % this.sizeBig);
      skip[i] = Number(xxhash64(hosts[i].key, 1n) % BigInt(m - 1)) + 1;
      maxWeight = Math.max(maxWeight, hosts[i].weight);
    }
    let filled = 0;
    for (let iteration = 1; filled < m; iteration++) {
      for (let i = 0; i < hosts.length && filled < m; i++) {
        // A host with the maximum weight takes a slot every iteration; half that weight, every other one.
        if (iteration * hosts[i].weight < targetWeight[i]) continue;
        targetWeight[i] += maxWeight;
        let c = (offset[i] + skip[i] * next[i]) % m;
        while (table[c] !== -1) {
          next[i]++;
          c = (offset[i] + skip[i] * next[i]) % m;
        }
        table[c] = i;
        next[i]++;
        filled++;
      }
    }
    this.table = table;
  }

  pick(hash: bigint | undefined, attempt: number): UpstreamHost | undefined {
    if (this.table.length === 0) return undefined;
    let h = hash ?? randomHash();
    // A host-selection retry probes a different, still deterministic, slot.
    if (attempt > 0) h = (h + BigInt(attempt) * ALT_MIX) & MASK;
    return this.hosts[this.table[Number(h % this.sizeBig)]];
  }
}
