import { any, bool, enumOf, int, list, map, message, str, type Schema } from '../../schema/schema.js';

const servicePortSchema: Schema = message('ServicePort', () => ({
  name: str(),
  protocol: enumOf('TCP', 'UDP', 'SCTP'),
  appProtocol: str(),
  port: int(),
  targetPort: any(),
  nodePort: int(),
}));

/** Schema of a Kubernetes Service `spec`. */
export const serviceSchema: Schema = message('ServiceSpec', () => ({
  type: enumOf('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'),
  ports: list(servicePortSchema),
  selector: map(str()),
  clusterIP: str(),
  clusterIPs: list(str()),
  externalName: str(),
  externalIPs: list(str()),
  sessionAffinity: enumOf('ClientIP', 'None'),
  sessionAffinityConfig: any(),
  loadBalancerIP: str(),
  loadBalancerSourceRanges: list(str()),
  loadBalancerClass: str(),
  allocateLoadBalancerNodePorts: bool(),
  externalTrafficPolicy: enumOf('Cluster', 'Local'),
  internalTrafficPolicy: enumOf('Cluster', 'Local'),
  healthCheckNodePort: int(),
  publishNotReadyAddresses: bool(),
  ipFamilies: list(enumOf('IPv4', 'IPv6')),
  ipFamilyPolicy: enumOf('SingleStack', 'PreferDualStack', 'RequireDualStack'),
  trafficDistribution: str(),
}));
