/** `istio.type.v1beta1.WorkloadSelector`: the workloads (by labels) a policy applies to. */
export interface WorkloadSelector {
  matchLabels?: Record<string, string>;
}

/** `istio.type.v1beta1.PolicyTargetReference`: a Service, ServiceEntry or Gateway a policy is attached to. */
export interface PolicyTargetReference {
  group?: string;
  kind: string;
  name: string;
  /** Must be empty: Istio does not support cross-namespace references. */
  namespace?: string;
}

/** The three mutually exclusive ways a policy picks what it applies to. */
export interface PolicyTargeting {
  selector?: WorkloadSelector;
  targetRef?: PolicyTargetReference;
  targetRefs?: PolicyTargetReference[];
}
