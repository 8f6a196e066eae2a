import type { Locality } from './locality.js';
import type { PortProtocol } from './protocol.js';

/** One port of a service. */
export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly protocol: PortProtocol;
  /** Where workloads listen when they do not say (Service `targetPort`, ServiceEntry `targetPort`). */
  readonly targetPort?: number | string;
}

/** Health as the registry knows it; grpc and Envoy skip UNHEALTHY endpoints. */
export type EndpointHealth = 'HEALTHY' | 'UNHEALTHY';

/** One workload address serving one service port (Istio's IstioEndpoint). */
export interface ServiceEndpoint {
  /** IP literal, or a DNS name for DNS-resolved ServiceEntries. */
  readonly address: string;
  /** The port the workload listens on. */
  readonly port: number;
  /** The service port this endpoint serves. */
  readonly servicePort: number;
  readonly servicePortName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly locality: Locality;
  /** Load-balancing weight, at least 1. */
  readonly weight: number;
  readonly health: EndpointHealth;
  readonly namespace: string;
  /** WorkloadEntry name, or `<serviceentry>-<index>` for inline endpoints. */
  readonly workloadName: string;
  readonly serviceAccount: string;
  readonly network?: string;
}

/** How clients find a service's endpoints (ServiceEntry `resolution`). */
export type Resolution = 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN' | 'NONE';

/** Whether a service is part of the mesh (mTLS, telemetry) or outside it. */
export type MeshLocation = 'MESH_INTERNAL' | 'MESH_EXTERNAL';

/** A service as the control plane sees it, whatever its source. */
export interface ServiceModel {
  /** Fully-qualified host (`reviews.default.svc.cluster.local`, `api.example.com`). */
  readonly hostname: string;
  readonly namespace: string;
  /** The object that defined it. */
  readonly source: { readonly kind: 'Service' | 'ServiceEntry'; readonly name: string; readonly namespace: string };
  readonly ports: readonly ServicePort[];
  /** Virtual IPs (ClusterIP, ServiceEntry `addresses`). */
  readonly addresses: readonly string[];
  readonly resolution: Resolution;
  readonly location: MeshLocation;
  /** Namespaces the service is visible from: `*` (all), `.` (its own), or names. */
  readonly exportTo: readonly string[];
  readonly endpoints: readonly ServiceEndpoint[];
  readonly labels: Readonly<Record<string, string>>;
  readonly creationTimestamp?: string;
}

/** A workload the registry knows (WorkloadEntry), whether or not a service selects it. */
export interface WorkloadModel {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  readonly ports: Readonly<Record<string, number>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly locality: Locality;
  readonly weight: number;
  readonly health: EndpointHealth;
  readonly serviceAccount: string;
  readonly network?: string;
}

/** An immutable view of every service and workload at one moment. */
export interface RegistrySnapshot {
  readonly services: readonly ServiceModel[];
  readonly workloads: readonly WorkloadModel[];
  /** Services by hostname; several when namespaces define the same host. */
  readonly byHostname: ReadonlyMap<string, readonly ServiceModel[]>;
}
