/** Kubernetes `Service.spec` (the fields Plexus reads). */
export interface ServiceSpec {
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  ports?: ServicePort[];
  /** Labels of the pods (or WorkloadEntries) behind the service. */
  selector?: Record<string, string>;
  /** An IP, `None` for a headless service, or empty to allocate one. */
  clusterIP?: string;
  clusterIPs?: string[];
  externalName?: string;
  externalIPs?: string[];
  sessionAffinity?: 'ClientIP' | 'None';
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  publishNotReadyAddresses?: boolean;
  ipFamilies?: ('IPv4' | 'IPv6')[];
  ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  [extra: string]: unknown;
}

/** `ServicePort`; Istio reads the protocol from `appProtocol` or the name prefix (`http-web`). */
export interface ServicePort {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  appProtocol?: string;
  port: number;
  /** A port number or the name of a container port. */
  targetPort?: number | string;
  nodePort?: number;
}
