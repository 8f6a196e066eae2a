import type { CircuitBreakerThresholds, ClusterConfig, LbPolicy, OutlierDetectionConfig, UpstreamTlsConfig } from '../config/model.js';
import type { FieldPath } from './invalid-resource.js';
import type { ProtoJson } from './proto-root.js';
import { durationMs, list, obj, str, wrapped } from './proto-values.js';
import { structToJson, flattenJson } from './struct-json.js';
import type { TranslateContext } from './translate-context.js';
import { translateLoadAssignment } from './translate-endpoints.js';
import { translateUpstreamSocket } from './translate-tls.js';

const TYPES: ReadonlySet<string> = new Set(['EDS', 'STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'ORIGINAL_DST']);
const LB_POLICIES: ReadonlySet<string> = new Set(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV', 'CLUSTER_PROVIDED']);
const HTTP_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const DEFAULT_ORIGINAL_DST_HEADER = 'x-envoy-original-dst-host';

/** Envoy's defaults for the DEFAULT priority's circuit breakers. */
const DEFAULT_BREAKERS: CircuitBreakerThresholds = { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 };

/** A translated cluster and the EDS resource it waits for. */
export interface TranslatedCluster {
  readonly cluster: ClusterConfig;
  /** EDS resource name (`eds_cluster_config.service_name`, else the cluster name); EDS clusters only. */
  readonly edsName?: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function circuitBreakers(v: unknown): CircuitBreakerThresholds {
  const thresholds = list(obj(v)?.thresholds).find((t) => (t.priority ?? 'DEFAULT') === 'DEFAULT');
  if (!thresholds) return DEFAULT_BREAKERS;
  return {
    maxConnections: wrapped(thresholds.max_connections) ?? DEFAULT_BREAKERS.maxConnections,
    maxPendingRequests: wrapped(thresholds.max_pending_requests) ?? DEFAULT_BREAKERS.maxPendingRequests,
    maxRequests: wrapped(thresholds.max_requests) ?? DEFAULT_BREAKERS.maxRequests,
    maxRetries: wrapped(thresholds.max_retries) ?? DEFAULT_BREAKERS.maxRetries,
  };
}

/** Envoy's outlier detection: a kind of failure counts only while its enforcement is above 0. */
function outlierDetection(o: ProtoJson, panic: number | undefined, at: FieldPath): OutlierDetectionConfig {
  const out: Mutable<OutlierDetectionConfig> = {
    splitExternalLocalOriginErrors: o.split_external_local_origin_errors === true,
    intervalMs: durationMs(o.interval, at.at('interval')) ?? 10_000,
    baseEjectionTimeMs: durationMs(o.base_ejection_time, at.at('base_ejection_time')) ?? 30_000,
    maxEjectionPercent: wrapped(o.max_ejection_percent) ?? 10,
  };
  if (out.maxEjectionPercent > 100) at.at('max_ejection_percent').fail('must be at most 100');
  if ((wrapped(o.enforcing_consecutive_5xx) ?? 100) > 0) out.consecutive5xx = wrapped(o.consecutive_5xx) ?? 5;
  if ((wrapped(o.enforcing_consecutive_gateway_failure) ?? 0) > 0) out.consecutiveGatewayFailure = wrapped(o.consecutive_gateway_failure) ?? 5;
  if (out.splitExternalLocalOriginErrors && (wrapped(o.enforcing_consecutive_local_origin_failure) ?? 100) > 0) {
    out.consecutiveLocalOriginFailure = wrapped(o.consecutive_local_origin_failure) ?? 5;
  }
  if (panic !== undefined) out.minHealthPercent = panic;
  return out;
}

/** `typed_extension_protocol_options` → upstream protocol and connection limits. */
function httpOptions(c: ProtoJson, at: FieldPath, out: Mutable<ClusterConfig>): void {
  const options = obj(c.typed_extension_protocol_options) ?? {};
  for (const [key, value] of Object.entries(options)) {
    const p = at.at('typed_extension_protocol_options').at(key);
    const o = obj(value);
    if (key !== HTTP_OPTIONS_KEY || !o || !String(o['@type'] ?? '').endsWith(HTTP_OPTIONS_KEY)) return p.fail('unsupported protocol options');
    const common = obj(o.common_http_protocol_options);
    if (common) {
      const idle = durationMs(common.idle_timeout, p.at('common_http_protocol_options').at('idle_timeout'));
      if (idle !== undefined) out.idleTimeoutMs = idle;
      const maxRequests = wrapped(common.max_requests_per_connection);
      if (maxRequests !== undefined) out.maxRequestsPerConnection = maxRequests;
    }
    const explicit = obj(o.explicit_http_config);
    const downstream = obj(o.use_downstream_protocol_config);
    let h2: ProtoJson | undefined;
    if (explicit) {
      if (explicit.http3_protocol_options !== undefined) p.at('explicit_http_config').fail('HTTP/3 upstreams are not supported');
      h2 = obj(explicit.http2_protocol_options);
      out.http2 = h2 !== undefined;
    } else if (downstream) {
      if (downstream.http3_protocol_options !== undefined) p.at('use_downstream_protocol_config').fail('HTTP/3 upstreams are not supported');
      out.useDownstreamProtocol = true;
      h2 = obj(downstream.http2_protocol_options);
    } else if (o.auto_config !== undefined) {
      p.at('auto_config').fail('ALPN-negotiated upstream protocol is not supported; use explicit_http_config or use_downstream_protocol_config');
    } else {
      p.fail('one of explicit_http_config, use_downstream_protocol_config is required');
    }
    const streams = wrapped(h2?.max_concurrent_streams);
    if (streams !== undefined) out.maxConcurrentStreams = streams;
  }
}

/** Istio's cluster metadata `istio.services[0].host`, the service name for stats and logs. */
function serviceName(metadata: unknown): string | undefined {
  const istio = obj(obj(obj(metadata)?.filter_metadata)?.istio);
  if (!istio) return undefined;
  const json = structToJson(istio);
  const services = json.services;
  if (Array.isArray(services) && services[0] && typeof services[0] === 'object' && !Array.isArray(services[0])) {
    const host = (services[0] as Record<string, unknown>).host;
    if (typeof host === 'string') return host;
  }
  return undefined;
}

function transportSocketMatches(c: ProtoJson, at: FieldPath, ctx: TranslateContext): ClusterConfig['tlsMatches'] {
  return list(c.transport_socket_matches).map((m, i) => {
    const p = at.at('transport_socket_matches', i);
    const name = str(m.name) ?? p.at('name').fail('name is required');
    // Keys carry the filter name so they compare directly with flattened endpoint metadata.
    const matchMetadata = flattenJson(structToJson(m.match), 'envoy.transport_socket_match');
    const tls: UpstreamTlsConfig | undefined = translateUpstreamSocket(obj(m.transport_socket) ?? p.at('transport_socket').fail('required'), p.at('transport_socket'), ctx);
    return { name, matchMetadata, ...(tls ? { tls } : {}) };
  });
}

/**
 * `config.cluster.v3.Cluster` → model. Unknown or custom cluster types, LB policies the proxy
 * lacks, HTTP/3 and a few other shapes are rejected rather than silently approximated.
 */
export function translateCluster(c: ProtoJson, at: FieldPath, ctx: TranslateContext): TranslatedCluster {
  const name = str(c.name) ?? at.at('name').fail('cluster name is required');
  if (c.cluster_type !== undefined) at.at('cluster_type').fail('custom cluster types are not supported');
  const type = String(c.type ?? 'STATIC');
  if (!TYPES.has(type)) at.at('type').fail(`unknown cluster type ${type}`);
  if (c.load_balancing_policy !== undefined) at.at('load_balancing_policy').fail('load_balancing_policy is not supported; use lb_policy');
  let lbPolicy = String(c.lb_policy ?? 'ROUND_ROBIN');
  if (type === 'ORIGINAL_DST') {
    // Envoy accepts only the cluster-provided (original destination) policy here.
    if (lbPolicy !== 'CLUSTER_PROVIDED' && lbPolicy !== 'ORIGINAL_DST_LB') at.at('lb_policy').fail(`lb_policy ${lbPolicy} is not valid for an ORIGINAL_DST cluster`);
    lbPolicy = 'CLUSTER_PROVIDED';
  } else if (!LB_POLICIES.has(lbPolicy) || lbPolicy === 'CLUSTER_PROVIDED') {
    at.at('lb_policy').fail(`lb_policy ${lbPolicy} is not supported for a ${type} cluster`);
  }
  const panic = wrapped(obj(c.common_lb_config)?.healthy_panic_threshold);
  const out: Mutable<ClusterConfig> = {
    name,
    type: type as ClusterConfig['type'],
    lbPolicy: lbPolicy as LbPolicy,
    connectTimeoutMs: durationMs(c.connect_timeout, at.at('connect_timeout')) ?? 5000,
    circuitBreakers: circuitBreakers(c.circuit_breakers),
    tlsMatches: transportSocketMatches(c, at, ctx),
    http2: obj(c.http2_protocol_options) !== undefined,
    useDownstreamProtocol: false,
  };
  let edsName: string | undefined;
  if (type === 'EDS') {
    const eds = obj(c.eds_cluster_config) ?? at.at('eds_cluster_config').fail('an EDS cluster needs eds_cluster_config');
    edsName = str(eds.service_name) ?? name;
    if (c.load_assignment !== undefined) at.at('load_assignment').fail('an EDS cluster takes its endpoints from EDS');
  } else {
    const la = obj(c.load_assignment);
    const dns = type === 'STRICT_DNS' || type === 'LOGICAL_DNS';
    if (la) out.loadAssignment = translateLoadAssignment(la, at.at('load_assignment'), { allowHostnames: dns, clusterName: name });
    else if (type !== 'ORIGINAL_DST') at.at('load_assignment').fail(`a ${type} cluster needs load_assignment`);
    if (type === 'LOGICAL_DNS' && (out.loadAssignment?.localities.flatMap((l) => l.endpoints).length ?? 0) !== 1) {
      at.at('load_assignment').fail('a LOGICAL_DNS cluster needs exactly one endpoint');
    }
    const refresh = durationMs(c.dns_refresh_rate, at.at('dns_refresh_rate'));
    if (refresh !== undefined) out.dnsRefreshRateMs = refresh;
  }
  const ring = obj(c.ring_hash_lb_config);
  if (lbPolicy === 'RING_HASH') {
    const min = wrapped(ring?.minimum_ring_size) ?? 1024;
    const max = wrapped(ring?.maximum_ring_size) ?? 8 * 1024 * 1024;
    if (min > max) at.at('ring_hash_lb_config').fail('minimum_ring_size exceeds maximum_ring_size');
    out.ringHash = { minimumRingSize: min, maximumRingSize: max };
  }
  if (lbPolicy === 'MAGLEV') {
    const tableSize = wrapped(obj(c.maglev_lb_config)?.table_size) ?? 65537;
    out.maglev = { tableSize };
  }
  if (lbPolicy === 'LEAST_REQUEST') out.leastRequest = { choiceCount: wrapped(obj(c.least_request_lb_config)?.choice_count) ?? 2 };
  const od = obj(c.outlier_detection);
  if (od) out.outlierDetection = outlierDetection(od, panic, at.at('outlier_detection'));
  const tls = translateUpstreamSocket(obj(c.transport_socket), at.at('transport_socket'), ctx);
  if (tls) out.tls = tls;
  httpOptions(c, at, out);
  const maxRequests = wrapped(c.max_requests_per_connection);
  if (maxRequests !== undefined && out.maxRequestsPerConnection === undefined) out.maxRequestsPerConnection = maxRequests;
  const keepalive = obj(obj(c.upstream_connection_options)?.tcp_keepalive);
  if (keepalive) {
    const probes = wrapped(keepalive.keepalive_probes);
    const time = wrapped(keepalive.keepalive_time);
    const interval = wrapped(keepalive.keepalive_interval);
    out.tcpKeepalive = { ...(probes !== undefined ? { probes } : {}), ...(time !== undefined ? { timeMs: time * 1000 } : {}), ...(interval !== undefined ? { intervalMs: interval * 1000 } : {}) };
  }
  const odc = obj(c.original_dst_lb_config);
  if (type === 'ORIGINAL_DST' && odc?.use_http_header === true) {
    out.originalDstHeader = str(odc.http_header_name) ?? DEFAULT_ORIGINAL_DST_HEADER;
  }
  const service = serviceName(c.metadata);
  if (service) out.serviceName = service;
  return edsName !== undefined ? { cluster: out, edsName } : { cluster: out };
}
