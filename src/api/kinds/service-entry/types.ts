import type { WorkloadEntrySpec } from '../workload-entry/types.js';

/** Where a ServiceEntry's service lives relative to the mesh. */
export type ServiceEntryLocation = 'MESH_EXTERNAL' | 'MESH_INTERNAL';

/** Values of `ServiceEntryLocation` in protobuf order. */
export const SERVICE_ENTRY_LOCATIONS: readonly ServiceEntryLocation[] = ['MESH_EXTERNAL', 'MESH_INTERNAL'];

/** How the proxy finds the endpoints of a ServiceEntry. */
export type ServiceEntryResolution = 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';

/** Values of `ServiceEntryResolution` in protobuf order. */
export const SERVICE_ENTRY_RESOLUTIONS: readonly ServiceEntryResolution[] = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'];

/** A port of the service (istio.networking.v1alpha3.ServicePort). */
export interface ServicePort {
  number: number;
  protocol?: string;
  name: string;
  /** Port on the endpoints; defaults to `number`. */
  targetPort?: number;
}

/** Label selector over WorkloadEntries and pods (networking WorkloadSelector). */
export interface NetworkingWorkloadSelector {
  labels?: Record<string, string>;
}

/** istio.networking.v1alpha3.ServiceEntry spec. */
export interface ServiceEntrySpec {
  hosts: string[];
  addresses?: string[];
  ports?: ServicePort[];
  location?: ServiceEntryLocation;
  resolution?: ServiceEntryResolution;
  endpoints?: WorkloadEntrySpec[];
  workloadSelector?: NetworkingWorkloadSelector;
  exportTo?: string[];
  subjectAltNames?: string[];
}
