import type { WeightedCluster } from '../config/model.js';

/**
 * Picks a cluster with probability proportional to its weight (tcp_proxy's weighted_clusters).
 * Zero total weight falls back to the first cluster, as a single unweighted entry would.
 */
export function pickWeightedCluster(clusters: readonly WeightedCluster[], random: () => number = Math.random): WeightedCluster | undefined {
  if (clusters.length <= 1) return clusters[0];
  const total = clusters.reduce((sum, c) => sum + Math.max(0, c.weight), 0);
  if (total <= 0) return clusters[0];
  let r = random() * total;
  for (const c of clusters) {
    r -= Math.max(0, c.weight);
    if (r < 0) return c;
  }
  return clusters[clusters.length - 1];
}
