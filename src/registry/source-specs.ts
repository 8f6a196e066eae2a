/**
 * Minimal views of the fields the registry reads from core Services, ServiceEntries and
 * WorkloadEntries. Validation lives in src/api; these only describe shapes that passed it.
 */

/** Core v1 Service `spec` (the fields the registry reads). */
export interface CoreServiceSpec {
  selector?: Record<string, string>;
  ports?: Array<{ name?: string; port: number; targetPort?: number | string; protocol?: string; appProtocol?: string }>;
  clusterIP?: string;
  clusterIPs?: string[];
  type?: string;
  externalName?: string;
}

/** Istio WorkloadEntry `spec`, also the shape of a ServiceEntry's inline endpoints. */
export interface WorkloadEntrySpec {
  address?: string;
  ports?: Record<string, number>;
  labels?: Record<string, string>;
  network?: string;
  locality?: string;
  weight?: number;
  serviceAccount?: string;
}

/** Istio ServiceEntry `spec`. */
export interface ServiceEntrySpec {
  hosts?: string[];
  addresses?: string[];
  ports?: Array<{ number: number; protocol?: string; name?: string; targetPort?: number }>;
  location?: 'MESH_EXTERNAL' | 'MESH_INTERNAL';
  resolution?: 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';
  endpoints?: WorkloadEntrySpec[];
  workloadSelector?: { labels?: Record<string, string> };
  exportTo?: string[];
  subjectAltNames?: string[];
}
