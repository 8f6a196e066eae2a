/**
 * Envoy's default histogram bucket bounds (`stats_config` leaves them unset in Istio's
 * bootstrap), used for `istio_request_duration_milliseconds` (ms) and the byte-size histograms
 * alike, so a dashboard built on an Istio sidecar's `le` values reads Plexus unchanged.
 */
export const ENVOY_DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
]);
