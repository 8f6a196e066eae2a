/** On an auto-registered WorkloadEntry: the WorkloadGroup it was made from (Istio's name). */
export const AUTO_REGISTRATION_GROUP_ANNOTATION = 'istio.io/autoRegistrationGroup';
/** The controller instance the workload's proxy is (or was last) connected to. */
export const WORKLOAD_CONTROLLER_ANNOTATION = 'istio.io/workloadController';
/** RFC 3339 time the proxy connected; removed when it disconnects. */
export const CONNECTED_AT_ANNOTATION = 'istio.io/connectedAt';
/** RFC 3339 time the proxy disconnected; the entry is removed a grace period later. */
export const DISCONNECTED_AT_ANNOTATION = 'istio.io/disconnectedAt';
/** Marks an entry whose health is reported by its proxy; `true` makes the reports count. */
export const HEALTH_CHECKS_ANNOTATION = 'proxy.istio.io/health-checks-enabled';

/** Node metadata key naming the WorkloadGroup a proxy registers into. */
export const AUTO_REGISTER_GROUP_METADATA = 'AUTO_REGISTER_GROUP';
/** Node metadata key naming an existing (not auto-registered) WorkloadEntry the proxy reports health for. */
export const WORKLOAD_ENTRY_METADATA = 'WORKLOAD_ENTRY';

/** Istio's default for PILOT_WORKLOAD_ENTRY_GRACE_PERIOD. */
export const DEFAULT_CLEANUP_GRACE_MS = 10_000;
