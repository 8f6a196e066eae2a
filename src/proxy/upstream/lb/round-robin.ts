import type { UpstreamHost } from '../upstream-host.js';
import { equalWeights, type LoadBalancer } from './load-balancer.js';

/**
 * ROUND_ROBIN. Equal weights rotate an index; unequal weights use smooth weighted round robin
 * (nginx's algorithm), which interleaves hosts (a,a,b,a,c...) instead of sending bursts, much as
 * Envoy's EDF scheduler does. Both start at a random offset so that many proxies don't hit the
 * same host first after a config push.
 */
export class RoundRobinLoadBalancer implements LoadBalancer {
  private next: number;
  private readonly weighted: boolean;
  private readonly current: Float64Array;
  private readonly total: number;

  constructor(private readonly hosts: readonly UpstreamHost[]) {
    this.weighted = hosts.length > 1 && !equalWeights(hosts);
    this.next = hosts.length > 0 ? Math.floor(Math.random() * hosts.length) : 0;
    this.current = new Float64Array(this.weighted ? hosts.length : 0);
    let total = 0;
    for (const h of hosts) total += h.weight;
    this.total = total;
    if (this.weighted) {
      // Random phase: advance the smooth sequence a random number of steps.
      for (let i = 0, n = this.next; i < n; i++) this.pickWeighted();
    }
  }

  pick(): UpstreamHost | undefined {
    const n = this.hosts.length;
    if (n === 0) return undefined;
    if (!this.weighted) {
      const h = this.hosts[this.next];
      this.next = this.next + 1 === n ? 0 : this.next + 1;
      return h;
    }
    return this.pickWeighted();
  }

  private pickWeighted(): UpstreamHost {
    const cur = this.current;
    const hosts = this.hosts;
    let best = 0;
    for (let i = 0; i < hosts.length; i++) {
      cur[i] += hosts[i].weight;
      if (cur[i] > cur[best]) best = i;
    }
    cur[best] -= this.total;
    return hosts[best];
  }
}
