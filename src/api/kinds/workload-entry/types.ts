/** istio.networking.v1alpha3.WorkloadEntry spec (also a ServiceEntry endpoint and a WorkloadGroup template). */
export interface WorkloadEntrySpec {
  /** IP address, DNS name, or `unix://` socket path; may be empty only when `network` is set. */
  address?: string;
  /** Port name to port number on this workload. */
  ports?: Record<string, number>;
  labels?: Record<string, string>;
  network?: string;
  locality?: string;
  weight?: number;
  serviceAccount?: string;
}
