import type { UpstreamHost } from '../upstream-host.js';
import { xxhash64 } from '../xxhash64.js';
import type { LoadBalancer } from './load-balancer.js';

/** Envoy's defaults for `ring_hash_lb_config`. */
export const DEFAULT_MIN_RING_SIZE = 1024;
export const DEFAULT_MAX_RING_SIZE = 8 * 1024 * 1024;

/**
 * RING_HASH (ketama), built the way Envoy builds it so that keys map to the same hosts: each host
 * gets entries `xxh64("<ip>:<port>_<i>")` in proportion to its normalised weight, the ring size is
 * the minimum size scaled up until the lightest host gets a whole entry (capped at the maximum),
 * and a key goes to the first entry whose hash is >= the key's hash (wrapping around).
 * Removing a host only remaps the keys that were on that host's entries.
 */
export class RingHashLoadBalancer implements LoadBalancer {
  private readonly hashes: BigUint64Array;
  private readonly owners: UpstreamHost[];

  constructor(hosts: readonly UpstreamHost[], minRingSize = DEFAULT_MIN_RING_SIZE, maxRingSize = DEFAULT_MAX_RING_SIZE) {
    if (hosts.length === 0) {
      this.hashes = new BigUint64Array(0);
      this.owners = [];
      return;
    }
    let total = 0;
    for (const h of hosts) total += h.weight;
    let minNormalized = 1;
    for (const h of hosts) minNormalized = Math.min(minNormalized, h.weight / total);
    const scale = Math.min(Math.ceil(minNormalized * minRingSize) / minNormalized, maxRingSize);
    const entries: { hash: bigint; host: UpstreamHost }[] = [];
    let current = 0;
    let target = 0;
    for (const host of hosts) {
      target += (scale * host.weight) / total;
      for (let i = 0; current < target; i++, current++) {
        entries.push({ hash: xxhash64(`${host.key}_${i}`), host });
      }
    }
    entries.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    this.hashes = new BigUint64Array(entries.length);
    this.owners = new Array<UpstreamHost>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      this.hashes[i] = entries[i].hash;
      this.owners[i] = entries[i].host;
    }
  }

  /** Number of entries on the ring (for /clusters and tests). */
  get size(): number {
    return this.hashes.length;
  }

  pick(hash: bigint | undefined, attempt: number): UpstreamHost | undefined {
    const n = this.hashes.length;
    if (n === 0) return undefined;
    const h = hash ?? randomHash();
    const hashes = this.hashes;
    let index: number;
    if (h <= hashes[0] || h > hashes[n - 1]) {
      index = 0;
    } else {
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (hashes[mid] >= h) hi = mid;
        else lo = mid + 1;
      }
      index = lo;
    }
    // On a host-selection retry, walk on along the ring to the attempt-th *other* host: entries
    // of one host are interleaved, so stepping a single entry would often land on the same host.
    const owners = this.owners;
    let owner = owners[index];
    for (let a = 0, steps = 0; a < attempt && steps < n; a++) {
      const previous = owner;
      while (owner === previous && steps < n) {
        index = (index + 1) % n;
        owner = owners[index];
        steps++;
      }
    }
    return owner;
  }
}

/** A random 64-bit hash for requests without a hash policy. */
export function randomHash(): bigint {
  return (BigInt((Math.random() * 0x100000000) >>> 0) << 32n) | BigInt((Math.random() * 0x100000000) >>> 0);
}
