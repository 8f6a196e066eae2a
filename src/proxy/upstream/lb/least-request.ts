import type { UpstreamHost } from '../upstream-host.js';
import { equalWeights, type LoadBalancer } from './load-balancer.js';

/**
 * LEAST_REQUEST as Envoy does it. Equal weights: power of N choices (N = `choiceCount`,
 * default 2) — draw N hosts at random and keep the one with the fewest active requests.
 * Unequal weights: a weighted choice where each host's weight is scaled by its load,
 * `weight / (active + 1)` (Envoy's active_request_bias 1), so idle traffic follows the weights
 * and busy hosts get proportionally less.
 */
export class LeastRequestLoadBalancer implements LoadBalancer {
  private readonly weighted: boolean;

  constructor(
    private readonly hosts: readonly UpstreamHost[],
    private readonly choiceCount = 2,
  ) {
    this.weighted = !equalWeights(hosts);
  }

  pick(): UpstreamHost | undefined {
    const hosts = this.hosts;
    const n = hosts.length;
    if (n === 0) return undefined;
    if (n === 1) return hosts[0];
    if (this.weighted) return this.pickWeighted();
    let best = hosts[Math.floor(Math.random() * n)];
    for (let i = 1; i < this.choiceCount; i++) {
      const c = hosts[Math.floor(Math.random() * n)];
      if (c.activeRequests < best.activeRequests) best = c;
    }
    return best;
  }

  private pickWeighted(): UpstreamHost {
    const hosts = this.hosts;
    let total = 0;
    for (let i = 0; i < hosts.length; i++) total += hosts[i].weight / (hosts[i].activeRequests + 1);
    let r = Math.random() * total;
    for (let i = 0; i < hosts.length; i++) {
      r -= hosts[i].weight / (hosts[i].activeRequests + 1);
      if (r < 0) return hosts[i];
    }
    return hosts[hosts.length - 1];
  }
}
