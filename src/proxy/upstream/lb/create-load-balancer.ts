import type { ClusterConfig } from '../../config/model.js';
import type { UpstreamHost } from '../upstream-host.js';
import { LeastRequestLoadBalancer } from './least-request.js';
import { EMPTY_LB, type LoadBalancer } from './load-balancer.js';
import { MaglevLoadBalancer } from './maglev.js';
import { RandomLoadBalancer } from './random.js';
import { RingHashLoadBalancer } from './ring-hash.js';
import { RoundRobinLoadBalancer } from './round-robin.js';

/** Builds the cluster's configured balancer over `hosts`. */
export function createLoadBalancer(cluster: ClusterConfig, hosts: readonly UpstreamHost[]): LoadBalancer {
  if (hosts.length === 0) return EMPTY_LB;
  switch (cluster.lbPolicy) {
    case 'LEAST_REQUEST':
      return new LeastRequestLoadBalancer(hosts, cluster.leastRequest?.choiceCount ?? 2);
    case 'RANDOM':
      return new RandomLoadBalancer(hosts);
    case 'RING_HASH':
      return new RingHashLoadBalancer(hosts, cluster.ringHash?.minimumRingSize, cluster.ringHash?.maximumRingSize);
    case 'MAGLEV':
      return new MaglevLoadBalancer(hosts, cluster.maglev?.tableSize);
    case 'ROUND_ROBIN':
    case 'CLUSTER_PROVIDED':
    default:
      return new RoundRobinLoadBalancer(hosts);
  }
}

/** Consistent-hash balancers ignore locality weights (as in Envoy) and need a hash per pick. */
export function isHashPolicy(cluster: ClusterConfig): boolean {
  return cluster.lbPolicy === 'RING_HASH' || cluster.lbPolicy === 'MAGLEV';
}
