/**
 * What stats need to know about clusters and hosts beyond a request's record. The proxy wires
 * it from its snapshot and upstream manager; telemetry never reaches into either itself.
 */
export interface UpstreamFacts {
  /** Istio service host of a cluster (its `istio.services[0].host` metadata). */
  serviceOf(cluster: string): string | undefined;
  /** The SPIFFE id an ISTIO_MUTUAL cluster requires of its peer, when exactly one. */
  principalOf?(cluster: string): string | undefined;
  /** Flattened EDS metadata of one host (`istio.workload`, ...). */
  hostMetadata?(cluster: string, hostKey: string): Readonly<Record<string, string>> | undefined;
}

/** Facts for a proxy that has none (tests, tools). */
export const NO_UPSTREAM_FACTS: UpstreamFacts = Object.freeze({ serviceOf: () => undefined });
