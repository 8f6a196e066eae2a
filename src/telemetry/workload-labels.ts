/**
 * The workload facts Istio's standard metrics carry for each side of a request
 * (`source_*` / `destination_*`). `unknown` is Istio's spelling for a fact nobody supplied.
 */
export interface WorkloadLabels {
  readonly workload: string;
  readonly namespace: string;
  readonly principal: string;
  readonly app: string;
  readonly version: string;
  readonly canonicalService: string;
  readonly canonicalRevision: string;
  readonly cluster: string;
}

/** Istio's value for a label it could not fill. */
export const UNKNOWN = 'unknown';

/** A peer about which nothing is known. */
export const UNKNOWN_WORKLOAD: WorkloadLabels = Object.freeze({
  workload: UNKNOWN,
  namespace: UNKNOWN,
  principal: UNKNOWN,
  app: UNKNOWN,
  version: UNKNOWN,
  canonicalService: UNKNOWN,
  // Istio reports `latest` when a workload has no revision label.
  canonicalRevision: 'latest',
  cluster: UNKNOWN,
});

/** What the proxy knows about its own workload (from the node identity the agent built). */
export interface LocalWorkloadFacts {
  readonly namespace: string;
  readonly podName?: string;
  readonly workloadName?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  readonly clusterId?: string;
  /** Defaults to `cluster.local`. */
  readonly trustDomain?: string;
}

/**
 * The proxy's own labels, derived the way Istio's agent does: app from `app` or
 * `app.kubernetes.io/name`, version from `version` or `app.kubernetes.io/version`, canonical
 * service/revision from the `service.istio.io/canonical-*` labels with those as fallbacks.
 */
export function localWorkloadLabels(f: LocalWorkloadFacts): WorkloadLabels {
  const l = f.labels ?? {};
  const app = l['app'] ?? l['app.kubernetes.io/name'];
  const version = l['version'] ?? l['app.kubernetes.io/version'];
  const workload = f.workloadName ?? f.podName ?? UNKNOWN;
  return Object.freeze({
    workload,
    namespace: f.namespace || UNKNOWN,
    principal: `spiffe://${f.trustDomain ?? 'cluster.local'}/ns/${f.namespace}/sa/${f.serviceAccount ?? 'default'}`,
    app: app ?? UNKNOWN,
    version: version ?? UNKNOWN,
    canonicalService: l['service.istio.io/canonical-name'] ?? app ?? workload,
    canonicalRevision: l['service.istio.io/canonical-revision'] ?? version ?? 'latest',
    cluster: f.clusterId ?? 'Kubernetes',
  });
}

/**
 * A peer known only by its certificate: the SPIFFE id gives the principal and namespace
 * (`spiffe://<td>/ns/<ns>/sa/<sa>`); everything else stays unknown because Plexus does not run
 * Istio's metadata exchange.
 */
export function peerFromPrincipal(principal: string | undefined): WorkloadLabels {
  if (!principal) return UNKNOWN_WORKLOAD;
  const m = /^spiffe:\/\/[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  return Object.freeze({ ...UNKNOWN_WORKLOAD, principal, ...(m ? { namespace: m[1] } : {}) });
}

/**
 * An upstream host described by its EDS metadata: Istio's `istio.workload` value is
 * `<workload>;<namespace>;<canonical service>;<canonical revision>;<cluster>`.
 */
export function peerFromEndpointMetadata(metadata: Readonly<Record<string, string>> | undefined, principal?: string): WorkloadLabels {
  const base = principal ? peerFromPrincipal(principal) : UNKNOWN_WORKLOAD;
  const w = metadata?.['istio.workload'];
  if (!w) return base;
  const [workload, namespace, service, revision, cluster] = w.split(';');
  return Object.freeze({
    ...base,
    workload: workload || UNKNOWN,
    namespace: namespace || base.namespace,
    app: service || UNKNOWN,
    version: revision || UNKNOWN,
    canonicalService: service || UNKNOWN,
    canonicalRevision: revision || 'latest',
    cluster: cluster || UNKNOWN,
  });
}
