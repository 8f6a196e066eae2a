import type { ConnectionPoolSettings, LoadBalancerSettings, OutlierDetection, TrafficPolicy } from '../../api/kinds/destination-rule/types.js';
import type { PortProtocol } from '../../registry/protocol.js';
import { parseDuration } from '../duration.js';
import { anyField, type ProtoObject } from '../protos.js';

/** Key of the upstream HTTP options in `typed_extension_protocol_options`. */
export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** Envoy's "unlimited" for circuit breaker thresholds, which Istio sets by default. */
const UNLIMITED = 4294967295;

/** Simple Istio LB → Envoy lb_policy (Istio's default is LEAST_REQUEST). */
const SIMPLE_LB: Readonly<Record<string, string>> = {
  ROUND_ROBIN: 'ROUND_ROBIN',
  LEAST_CONN: 'LEAST_REQUEST',
  LEAST_REQUEST: 'LEAST_REQUEST',
  RANDOM: 'RANDOM',
  UNSPECIFIED: 'LEAST_REQUEST',
};

/** Sets lb_policy and the hash ring / Maglev table for consistent hashing. */
export function applyLoadBalancer(cluster: ProtoObject, lb: LoadBalancerSettings | undefined): void {
  const ch = lb?.consistentHash;
  if (ch?.maglev) {
    cluster.lb_policy = 'MAGLEV';
    cluster.maglev_lb_config = { table_size: { value: String(ch.maglev.tableSize ?? 65537) } };
  } else if (ch) {
    cluster.lb_policy = 'RING_HASH';
    cluster.ring_hash_lb_config = { minimum_ring_size: { value: String(ch.ringHash?.minimumRingSize ?? ch.minimumRingSize ?? 1024) } };
  } else {
    cluster.lb_policy = SIMPLE_LB[lb?.simple ?? 'UNSPECIFIED'] ?? 'LEAST_REQUEST';
  }
}

function threshold(value: number | undefined): { value: number } {
  return { value: value && value > 0 ? value : UNLIMITED };
}

function isHttp2(protocol: PortProtocol | undefined): boolean {
  return protocol === 'HTTP2' || protocol === 'GRPC' || protocol === 'GRPC-WEB';
}

/**
 * connectionPool → circuit breaker thresholds (Istio's unlimited defaults otherwise),
 * connect timeout, TCP keepalive and the upstream HTTP protocol options (idle timeout,
 * requests per connection, HTTP/2 for h2 ports or `h2UpgradePolicy: UPGRADE`).
 */
export function applyConnectionPool(cluster: ProtoObject, pool: ConnectionPoolSettings | undefined, opts: { connectTimeout: string; protocol?: PortProtocol; meshH2Upgrade?: boolean }): void {
  const tcp = pool?.tcp;
  const http = pool?.http;
  cluster.connect_timeout = parseDuration(tcp?.connectTimeout) ?? parseDuration(opts.connectTimeout) ?? { seconds: 10, nanos: 0 };
  cluster.circuit_breakers = {
    thresholds: [{
      priority: 'DEFAULT',
      max_connections: threshold(tcp?.maxConnections),
      max_pending_requests: threshold(http?.http1MaxPendingRequests),
      max_requests: threshold(http?.http2MaxRequests),
      max_retries: threshold(http?.maxRetries),
      track_remaining: true,
    }],
  };
  const ka = tcp?.tcpKeepalive;
  if (ka) {
    const keepalive: ProtoObject = {};
    if (ka.probes) keepalive.keepalive_probes = { value: ka.probes };
    const time = parseDuration(ka.time);
    if (time) keepalive.keepalive_time = { value: time.seconds };
    const interval = parseDuration(ka.interval);
    if (interval) keepalive.keepalive_interval = { value: interval.seconds };
    cluster.upstream_connection_options = { tcp_keepalive: keepalive };
  }
  const common: ProtoObject = {};
  const idle = parseDuration(http?.idleTimeout);
  if (idle) common.idle_timeout = idle;
  if (http?.maxRequestsPerConnection && http.maxRequestsPerConnection > 0) common.max_requests_per_connection = { value: http.maxRequestsPerConnection };
  const maxDuration = parseDuration(tcp?.maxConnectionDuration);
  if (maxDuration) common.max_connection_duration = maxDuration;
  const upgrade = http?.h2UpgradePolicy === 'UPGRADE' || (http?.h2UpgradePolicy !== 'DO_NOT_UPGRADE' && opts.meshH2Upgrade === true && opts.protocol === 'HTTP');
  const h2 = isHttp2(opts.protocol) || upgrade;
  if (!h2 && Object.keys(common).length === 0 && !http?.useClientProtocol) return;
  const h2Options: ProtoObject = http?.maxConcurrentStreams ? { max_concurrent_streams: { value: http.maxConcurrentStreams } } : {};
  const options: ProtoObject = {};
  if (Object.keys(common).length > 0) options.common_http_protocol_options = common;
  // The upstream protocol is required by Envoy's schema: follow the client, or pin h2 / HTTP/1.1.
  if (http?.useClientProtocol) options.use_downstream_protocol_config = { http_protocol_options: {}, http2_protocol_options: h2Options };
  else options.explicit_http_config = h2 ? { http2_protocol_options: h2Options } : { http_protocol_options: {} };
  cluster.typed_extension_protocol_options = { [HTTP_PROTOCOL_OPTIONS_KEY]: anyField(HTTP_PROTOCOL_OPTIONS_KEY, options) };
}

/** outlierDetection → Envoy outlier_detection (and the panic threshold from minHealthPercent). */
export function applyOutlierDetection(cluster: ProtoObject, od: OutlierDetection | undefined): void {
  if (!od) return;
  const out: ProtoObject = {};
  // Istio enforces only the error kinds the user configured.
  const fiveXx = od.consecutive5xxErrors ?? od.consecutiveErrors;
  if (fiveXx !== undefined) {
    out.consecutive_5xx = { value: fiveXx };
    out.enforcing_consecutive_5xx = { value: fiveXx > 0 ? 100 : 0 };
  } else {
    out.enforcing_consecutive_5xx = { value: 0 };
  }
  if (od.consecutiveGatewayErrors !== undefined) {
    out.consecutive_gateway_failure = { value: od.consecutiveGatewayErrors };
    out.enforcing_consecutive_gateway_failure = { value: od.consecutiveGatewayErrors > 0 ? 100 : 0 };
  }
  if (od.splitExternalLocalOriginErrors) {
    out.split_external_local_origin_errors = true;
    if (od.consecutiveLocalOriginFailures !== undefined) {
      out.consecutive_local_origin_failure = { value: od.consecutiveLocalOriginFailures };
      out.enforcing_consecutive_local_origin_failure = { value: 100 };
    }
  }
  const interval = parseDuration(od.interval);
  if (interval) out.interval = interval;
  const base = parseDuration(od.baseEjectionTime);
  if (base) out.base_ejection_time = base;
  if (od.maxEjectionPercent !== undefined) out.max_ejection_percent = { value: od.maxEjectionPercent };
  cluster.outlier_detection = out;
  if (od.minHealthPercent !== undefined) cluster.common_lb_config = { healthy_panic_threshold: { value: od.minHealthPercent } };
}

/** Load balancer, connection pool and outlier detection of one (already merged) policy. */
export function applyTrafficPolicy(cluster: ProtoObject, policy: TrafficPolicy | undefined, opts: { connectTimeout: string; protocol?: PortProtocol; meshH2Upgrade?: boolean; lb?: boolean }): void {
  if (opts.lb !== false) applyLoadBalancer(cluster, policy?.loadBalancer);
  applyConnectionPool(cluster, policy?.connectionPool, opts);
  applyOutlierDetection(cluster, policy?.outlierDetection);
}
