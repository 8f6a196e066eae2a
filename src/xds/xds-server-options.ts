/**
 * gRPC server options of the controller's xDS ports (15010, 15012), which also carry the CA.
 *
 * - Receive limit 4 MiB, istiod's default (`ISTIO_GPRC_MAXRECVMSGSIZE`): grpc-js refuses a
 *   larger message from its 5-byte length prefix (RESOURCE_EXHAUSTED) before buffering it, so
 *   a client cannot make the controller hold more than this per stream. A CSR is a few kB and
 *   a DiscoveryRequest rarely passes 100 kB.
 * - At most 100 concurrent streams per connection (HTTP/2 SETTINGS), far above what one proxy
 *   opens (one ADS stream and a CSR now and then), so one connection cannot open thousands.
 * - Connections without a call for 5 minutes are closed (a scan that opens and idles).
 */
export const XDS_SERVER_OPTIONS = {
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
  'grpc.max_concurrent_streams': 100,
  'grpc.max_connection_idle_ms': 5 * 60_000,
} as const;

/**
 * The plaintext port (15010): the same, with a 1 MiB receive limit. Nobody is authenticated
 * there, so what a flood can make the controller hold is streams × this limit; a proxy's
 * requests (node, subscriptions of a few thousand names, a NACK's message) stay far below it.
 * Istio keeps 4 MiB on 15010 too; meshes that need more use 15012.
 */
export const PLAINTEXT_XDS_SERVER_OPTIONS = {
  ...XDS_SERVER_OPTIONS,
  'grpc.max_receive_message_length': 1024 * 1024,
} as const;
