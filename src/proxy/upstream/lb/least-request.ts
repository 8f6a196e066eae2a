import type { UpstreamHost } from '../upstream-host.js';
import type { LoadBalancer } from './load-balancer.js';
import { WeightedPicker } from './weighted-picker.js';

/**
 * LEAST_REQUEST with power-of-N choices (N = `choiceCount`, Envoy's default 2): draw N candidates
 * in proportion to weight and keep the one with the fewest active requests per unit of weight
 * (Envoy's `weight / (active + 1)` with active_request_bias 1). With no load the first candidate
 * wins, so the idle distribution follows the weights exactly.
 */
export class LeastRequestLoadBalancer implements LoadBalancer {
  private readonly picker: WeightedPicker;

  constructor(
    private readonly hosts: readonly UpstreamHost[],
    private readonly choiceCount = 2,
  ) {
    this.picker = new WeightedPicker(hosts);
  }

  pick(): UpstreamHost | undefined {
    const hosts = this.hosts;
    if (hosts.length === 0) return undefined;
    if (hosts.length === 1) return hosts[0];
    let best = hosts[this.picker.pickIndex()];
    let bestLoad = (best.activeRequests + 1) / best.weight;
    for (let i = 1; i < this.choiceCount; i++) {
      const c = hosts[this.picker.pickIndex()];
      const load = (c.activeRequests + 1) / c.weight;
      if (load < bestLoad) {
        best = c;
        bestLoad = load;
      }
    }
    return best;
  }
}
