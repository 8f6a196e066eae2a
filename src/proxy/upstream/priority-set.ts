import type { ClusterConfig } from '../config/model.js';
import { createLoadBalancer, isHashPolicy } from './lb/create-load-balancer.js';
import type { LoadBalancer } from './lb/load-balancer.js';
import type { UpstreamHost } from './upstream-host.js';

/** Envoy's default `healthy_panic_threshold`, percent. */
export const DEFAULT_PANIC_THRESHOLD = 50;

/** Hosts of one locality at one priority, with the locality's EDS weight. */
export interface LocalityGroup {
  readonly priority: number;
  readonly weight: number;
  readonly hosts: readonly UpstreamHost[];
}

/** How hosts are spread over priorities and localities, and what counts as panic. */
export interface PrioritySetOptions {
  /** Percent, Envoy's default 140. */
  readonly overprovisioningFactor: number;
  /** Percent; 0 disables panic mode. */
  readonly panicThreshold: number;
  /** Choose a locality by weight first (Envoy's `locality_weighted_lb_config`). */
  readonly localityWeighted: boolean;
}

/** A set of hosts with a balancer built lazily over it. */
class Subset {
  private lb: LoadBalancer | undefined;
  constructor(
    readonly hosts: readonly UpstreamHost[],
    private readonly cluster: ClusterConfig,
  ) {}
  get balancer(): LoadBalancer {
    return (this.lb ??= createLoadBalancer(this.cluster, this.hosts));
  }
}

/** One locality inside a priority level, for locality-weighted balancing. */
class LocalityLevel {
  readonly healthy: Subset;
  readonly all: Subset;
  constructor(
    readonly weight: number,
    hosts: readonly UpstreamHost[],
    cluster: ClusterConfig,
  ) {
    this.all = new Subset(hosts, cluster);
    this.healthy = new Subset(
      hosts.filter((h) => h.healthy),
      cluster,
    );
  }
}

/** One priority level. */
class PriorityLevel {
  readonly all: Subset;
  readonly healthy: Subset;
  /** Percent of hosts usable outside panic, 0..100. */
  readonly healthyPercent: number;
  /** Present when balancing by locality weight. */
  readonly localities: readonly LocalityLevel[] | undefined;
  private readonly localityCumulative: Float64Array | undefined;
  private readonly localityCumulativePanic: Float64Array | undefined;

  constructor(
    readonly priority: number,
    groups: readonly LocalityGroup[],
    cluster: ClusterConfig,
    opts: PrioritySetOptions,
  ) {
    const hosts = groups.flatMap((g) => g.hosts);
    this.all = new Subset(hosts, cluster);
    this.healthy = new Subset(
      hosts.filter((h) => h.healthy),
      cluster,
    );
    this.healthyPercent = hosts.length === 0 ? 0 : (100 * this.healthy.hosts.length) / hosts.length;
    if (opts.localityWeighted && !isHashPolicy(cluster) && groups.length > 1) {
      this.localities = groups.map((g) => new LocalityLevel(g.weight, g.hosts, cluster));
      // Envoy's effective locality weight: weight × availability (overprovisioned, capped at 1).
      this.localityCumulative = cumulative(
        this.localities.map((l) => (l.all.hosts.length === 0 ? 0 : l.weight * Math.min(1, (opts.overprovisioningFactor / 100) * (l.healthy.hosts.length / l.all.hosts.length)))),
      );
      this.localityCumulativePanic = cumulative(this.localities.map((l) => (l.all.hosts.length === 0 ? 0 : l.weight)));
    }
  }

  pick(panic: boolean, hash: bigint | undefined, attempt: number): UpstreamHost | undefined {
    const locs = this.localities;
    if (locs !== undefined) {
      const cum = panic ? this.localityCumulativePanic! : this.localityCumulative!;
      const total = cum[cum.length - 1];
      if (total > 0) {
        const r = Math.random() * total;
        let i = 0;
        while (cum[i] <= r) i++;
        return (panic ? locs[i].all : locs[i].healthy).balancer.pick(hash, attempt);
      }
    }
    return (panic ? this.all : this.healthy).balancer.pick(hash, attempt);
  }
}

/** Level 0 takes its health as load, the next what remains up to its own health…; scaled to 100. */
function spreadByHealth(health: readonly number[], load: number[]): void {
  const normalizedTotal = Math.min(100, health.reduce((a, b) => a + b, 0));
  if (normalizedTotal <= 0) return;
  let remaining = 100;
  for (let i = 0; i < health.length; i++) {
    load[i] = Math.min(remaining, (health[i] * 100) / normalizedTotal);
    remaining -= load[i];
  }
}

function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) out[i] = sum += weights[i];
  return out;
}

/**
 * Envoy's priority load distribution. Each level's health is `overprovisioning × healthy share`
 * capped at 100%; level 0 takes its health as load, the next level takes what remains up to its
 * own health, and so on; when total health is under 100% the loads are scaled up to sum to 100%.
 * A level whose healthy share is below the panic threshold balances over all its hosts; when
 * the whole cluster's normalised health is below it, every level panics and load follows host
 * counts. Immutable: rebuilt whenever hosts, weights or health change.
 */
export class PrioritySet {
  readonly levels: readonly PriorityLevel[];
  /** Cumulative load percent per level (last is 100, or 0 when nothing is usable). */
  private readonly cumulativeLoad: Float64Array;
  private readonly panic: readonly boolean[];
  /** Each level's health (overprovisioned healthy share, capped at 100), for retry exclusions. */
  private readonly health: readonly number[];
  readonly totalHosts: number;

  constructor(groups: readonly LocalityGroup[], cluster: ClusterConfig, opts: PrioritySetOptions) {
    const byPriority = new Map<number, LocalityGroup[]>();
    for (const g of groups) {
      const list = byPriority.get(g.priority);
      if (list === undefined) byPriority.set(g.priority, [g]);
      else list.push(g);
    }
    const priorities = [...byPriority.keys()].sort((a, b) => a - b);
    this.levels = priorities.map((p) => new PriorityLevel(p, byPriority.get(p)!, cluster, opts));
    this.totalHosts = this.levels.reduce((n, l) => n + l.all.hosts.length, 0);

    const factor = opts.overprovisioningFactor / 100;
    const health = this.levels.map((l) => Math.min(100, factor * l.healthyPercent));
    const normalizedTotal = Math.min(100, health.reduce((a, b) => a + b, 0));
    const threshold = opts.panicThreshold;
    const load = new Array<number>(this.levels.length).fill(0);
    let panic: boolean[];
    if (this.totalHosts > 0 && threshold > 0 && normalizedTotal < threshold) {
      // Total panic: spread by host count, every level ignores health.
      panic = this.levels.map(() => true);
      for (let i = 0; i < this.levels.length; i++) load[i] = (100 * this.levels[i].all.hosts.length) / this.totalHosts;
    } else {
      panic = this.levels.map((l) => threshold > 0 && l.healthyPercent < threshold);
      spreadByHealth(health, load);
    }
    this.panic = panic;
    this.health = health;
    this.cumulativeLoad = cumulative(load);
  }

  /** Percent of traffic each priority level gets, in level order (for /clusters and tests). */
  get loads(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.cumulativeLoad.length; i++) out.push(this.cumulativeLoad[i] - (i === 0 ? 0 : this.cumulativeLoad[i - 1]));
    return out;
  }

  /** Whether each level currently balances over all of its hosts. */
  get panicLevels(): readonly boolean[] {
    return this.panic;
  }

  /** Cumulative load with the excluded levels counted as unhealthy; unchanged if that leaves none. */
  private loadWithout(excluded: ReadonlySet<number>): Float64Array {
    const health = this.health.map((h, i) => (excluded.has(this.levels[i].priority) ? 0 : h));
    if (!health.some((h) => h > 0)) return this.cumulativeLoad;
    const load = new Array<number>(health.length).fill(0);
    spreadByHealth(health, load);
    return cumulative(load);
  }

  /**
   * Choose a host; consistent-hash picks also choose the level from the hash, so they stay sticky.
   * `excludedPriorities` (a retry's previous_priorities) take no load while another level can.
   */
  pick(hash: bigint | undefined, attempt: number, excludedPriorities?: ReadonlySet<number>): UpstreamHost | undefined {
    const n = this.levels.length;
    if (n === 0) return undefined;
    const cum = excludedPriorities !== undefined && excludedPriorities.size > 0 ? this.loadWithout(excludedPriorities) : this.cumulativeLoad;
    const total = cum[n - 1];
    if (total <= 0) return undefined;
    const r = hash !== undefined ? (Number(hash % 10000n) / 10000) * total : Math.random() * total;
    let i = 0;
    while (i < n - 1 && cum[i] <= r) i++;
    return this.levels[i].pick(this.panic[i], hash, attempt);
  }
}
