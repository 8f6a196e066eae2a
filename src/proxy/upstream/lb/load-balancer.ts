import type { UpstreamHost } from '../upstream-host.js';

/** What a load balancer may use to choose a host for one request or connection. */
export interface LbContext {
  /** Hash from the route's hash policy (a bigint), or a string to hash; absent means random. */
  readonly hashKey?: bigint | string;
}

/**
 * Chooses one host from a fixed host list. Built once per host-set change (endpoint update,
 * ejection), then asked once per request, so `pick` must not allocate.
 */
export interface LoadBalancer {
  /**
   * @param hash 64-bit hash for consistent-hash balancers (ignored by the others).
   * @param attempt 0 for the first choice; retries of host selection pass 1, 2, ... so that
   *   hash balancers move on to a different host deterministically.
   */
  pick(hash: bigint | undefined, attempt: number): UpstreamHost | undefined;
}

/** A balancer over no hosts. */
export const EMPTY_LB: LoadBalancer = { pick: () => undefined };

/** True when every host has the same weight, which lets balancers take an O(1) path. */
export function equalWeights(hosts: readonly UpstreamHost[]): boolean {
  for (let i = 1; i < hosts.length; i++) if (hosts[i].weight !== hosts[0].weight) return false;
  return true;
}
