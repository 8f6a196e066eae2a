import type { UpstreamHost } from '../upstream-host.js';
import { equalWeights } from './load-balancer.js';

/**
 * Weighted random choice over a fixed host list: cumulative weights and a binary search,
 * or a plain index when all weights are equal.
 */
export class WeightedPicker {
  private readonly cumulative: Float64Array | undefined;
  private readonly total: number;

  constructor(private readonly hosts: readonly UpstreamHost[]) {
    if (equalWeights(hosts)) {
      this.cumulative = undefined;
      this.total = hosts.length;
      return;
    }
    this.cumulative = new Float64Array(hosts.length);
    let sum = 0;
    for (let i = 0; i < hosts.length; i++) {
      sum += hosts[i].weight;
      this.cumulative[i] = sum;
    }
    this.total = sum;
  }

  /** Index of a host chosen with probability proportional to its weight. */
  pickIndex(): number {
    const r = Math.random() * this.total;
    const c = this.cumulative;
    if (c === undefined) return Math.floor(r);
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  pick(): UpstreamHost | undefined {
    return this.hosts.length === 0 ? undefined : this.hosts[this.pickIndex()];
  }
}
