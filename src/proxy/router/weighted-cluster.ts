import type { WeightedCluster } from '../config/model.js';

/**
 * Picks one of a route's clusters in proportion to its weight. A single cluster (the usual
 * case) skips the draw; all-zero weights fall back to the first, like an unweighted route.
 */
export function pickWeightedCluster(clusters: readonly WeightedCluster[], random: () => number = Math.random): WeightedCluster | undefined {
  if (clusters.length <= 1) return clusters[0];
  const total = clusters.reduce((sum, c) => sum + Math.max(0, c.weight), 0);
  if (total <= 0) return clusters[0];
  let point = random() * total;
  for (const c of clusters) {
    point -= Math.max(0, c.weight);
    if (point < 0) return c;
  }
  return clusters[clusters.length - 1];
}
