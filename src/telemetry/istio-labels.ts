/**
 * Label names of Istio's standard HTTP/gRPC metrics, in the order an Istio sidecar exports
 * them; the series of one metric always carry all of them.
 */
export const ISTIO_HTTP_LABELS: readonly string[] = Object.freeze([
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_canonical_service',
  'source_canonical_revision',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_cluster',
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
]);

/** TCP metrics carry the same labels without the HTTP response ones (`request_protocol` is `tcp`). */
export const ISTIO_TCP_LABELS: readonly string[] = Object.freeze(
  ISTIO_HTTP_LABELS.filter((l) => l !== 'response_code' && l !== 'grpc_response_status'),
);
