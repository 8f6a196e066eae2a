import type { Endpoint, Locality } from '../config/model.js';

/**
 * One upstream endpoint as the data plane tracks it at run time. A host outlives snapshot swaps
 * while its address stays in the cluster, so its connection pools, active-request count and
 * outlier history carry over; the config-derived fields are refreshed in place on each update.
 */
export class UpstreamHost {
  /** `address:port` (or `hostname:port` for LOGICAL_DNS); the identity across updates. */
  readonly key: string;
  /** Host portion as given to `connect`, an IP, or a name for LOGICAL_DNS. */
  readonly address: string;
  readonly port: number;
  weight: number;
  /** Health reported by EDS; outlier ejection is tracked separately in {@link ejected}. */
  edsHealthy: boolean;
  hostname: string | undefined;
  metadata: Readonly<Record<string, string>>;
  locality: Locality;
  priority: number;
  /** Requests (or TCP connections) in flight to this host, for LEAST_REQUEST and stats. */
  activeRequests = 0;
  /** Set by outlier detection while the host is ejected. */
  ejected = false;
  /** False once the host has left its cluster; its pools are draining. */
  live = true;
  /** Last time a request picked this host (ORIGINAL_DST clean-up), ms since epoch. */
  lastUsedMs = 0;

  constructor(address: string, port: number, endpoint: Endpoint | undefined, locality: Locality, priority: number) {
    this.address = address;
    this.port = port;
    this.key = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
    this.weight = endpoint !== undefined && endpoint.weight > 0 ? endpoint.weight : 1;
    this.edsHealthy = endpoint === undefined || isHealthyStatus(endpoint.health);
    this.hostname = endpoint?.hostname;
    this.metadata = endpoint?.metadata ?? {};
    this.locality = locality;
    this.priority = priority;
  }

  /** Refresh the config-derived fields from a newer snapshot. */
  update(endpoint: Endpoint | undefined, locality: Locality, priority: number): void {
    this.weight = endpoint !== undefined && endpoint.weight > 0 ? endpoint.weight : 1;
    this.edsHealthy = endpoint === undefined || isHealthyStatus(endpoint.health);
    this.hostname = endpoint?.hostname;
    this.metadata = endpoint?.metadata ?? {};
    this.locality = locality;
    this.priority = priority;
  }

  /** Usable for load balancing outside panic mode. */
  get healthy(): boolean {
    return this.edsHealthy && !this.ejected;
  }
}

/**
 * Envoy balances across HEALTHY and UNKNOWN hosts; DEGRADED hosts are only used by Envoy when
 * there are too few healthy ones, which Plexus folds into panic mode (counted unhealthy here).
 */
export function isHealthyStatus(health: Endpoint['health']): boolean {
  return health === 'HEALTHY' || health === 'UNKNOWN';
}
