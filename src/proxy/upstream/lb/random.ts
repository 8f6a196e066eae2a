import type { UpstreamHost } from '../upstream-host.js';
import type { LoadBalancer } from './load-balancer.js';
import { WeightedPicker } from './weighted-picker.js';

/** Envoy's RANDOM: each pick is independent, proportional to endpoint weight. */
export class RandomLoadBalancer implements LoadBalancer {
  private readonly picker: WeightedPicker;

  constructor(hosts: readonly UpstreamHost[]) {
    this.picker = new WeightedPicker(hosts);
  }

  pick(): UpstreamHost | undefined {
    return this.picker.pick();
  }
}
