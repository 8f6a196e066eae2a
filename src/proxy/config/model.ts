/**
 * The proxy's own configuration model: plain, immutable objects translated from xDS by the
 * xds-client (the only code that touches protos). Everything else in src/proxy reads these
 * types. Field meanings follow Envoy's v3 API; durations are milliseconds, and anything
 * Plexus does not implement is left out rather than carried along unused.
 */

import type { PathNormalization } from '../http/path-normalization.js';

/** Everything the proxy serves at one moment; swapped whole on every accepted update. */
export interface ProxySnapshot {
  readonly listeners: ReadonlyMap<string, ListenerConfig>;
  readonly routes: ReadonlyMap<string, RouteConfiguration>;
  readonly clusters: ReadonlyMap<string, ClusterConfig>;
  /** Endpoints by cluster name (from EDS, or a cluster's inline load assignment). */
  readonly endpoints: ReadonlyMap<string, ClusterLoadAssignment>;
  /** SDS secrets by name (`default`, `ROOTCA`, gateway credentials). */
  readonly secrets: ReadonlyMap<string, SecretConfig>;
  /** Version info last accepted per type URL, for /config_dump and logs. */
  readonly versions: Readonly<Record<string, string>>;
}

export interface SocketAddress {
  readonly address: string;
  readonly port: number;
}

// ---------------------------------------------------------------- listeners

export interface ListenerConfig {
  readonly name: string;
  readonly address: SocketAddress;
  /** virtualOutbound/virtualInbound: hand the connection to the listener of its original destination. */
  readonly useOriginalDst: boolean;
  /** False for listeners that only receive connections handed over by useOriginalDst. */
  readonly bindToPort: boolean;
  /** Listener filters Envoy would run before choosing a chain. */
  readonly tlsInspector: boolean;
  readonly httpInspector: boolean;
  readonly filterChains: readonly FilterChain[];
  readonly defaultFilterChain?: FilterChain;
  /**
   * An xDS `api_listener` (the proxyless gRPC shape): nothing to bind; its one chain holds the
   * HTTP connection manager. Added by the xds-client; absent for socket listeners.
   */
  readonly apiListener?: boolean;
}

/** Envoy's filter chain match; an absent field matches anything. */
export interface FilterChainMatch {
  readonly destinationPort?: number;
  readonly prefixRanges?: readonly CidrRange[];
  readonly sourcePrefixRanges?: readonly CidrRange[];
  /** SNI names, `*.example.com` wildcards allowed. */
  readonly serverNames?: readonly string[];
  /** `tls` or `raw_buffer`. */
  readonly transportProtocol?: string;
  /** ALPN / detected protocol (`h2c`, `http/1.1`, `istio-peer-exchange`, ...). */
  readonly applicationProtocols?: readonly string[];
}

export interface CidrRange {
  readonly addressPrefix: string;
  readonly prefixLen: number;
}

export interface FilterChain {
  readonly name: string;
  readonly match: FilterChainMatch;
  /** Terminate TLS with these settings; absent for plaintext (or passthrough) chains. */
  readonly tls?: DownstreamTlsConfig;
  readonly filters: readonly NetworkFilter[];
}

export type NetworkFilter = TcpProxyFilter | HttpConnectionManagerConfig | NetworkRbacFilter;

export interface TcpProxyFilter {
  readonly kind: 'tcp_proxy';
  readonly statPrefix: string;
  /** One cluster, or weighted clusters. */
  readonly clusters: readonly WeightedCluster[];
  readonly idleTimeoutMs?: number;
}

export interface NetworkRbacFilter {
  readonly kind: 'network_rbac';
  readonly statPrefix: string;
  /** Filter-specific config, parsed by the rbac filter's config.ts. */
  readonly config: unknown;
}

export interface HttpConnectionManagerConfig {
  readonly kind: 'http_connection_manager';
  readonly statPrefix: string;
  /** Route configuration by RDS name, or inline. */
  readonly rdsName?: string;
  readonly routeConfig?: RouteConfiguration;
  readonly httpFilters: readonly HttpFilterConfig[];
  /** `AUTO`, `HTTP1`, `HTTP2`. */
  readonly codec: 'AUTO' | 'HTTP1' | 'HTTP2';
  readonly useRemoteAddress: boolean;
  readonly xffNumTrustedHops: number;
  readonly generateRequestId: boolean;
  readonly streamIdleTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly requestHeadersTimeoutMs?: number;
  readonly maxRequestHeadersKb: number;
  /** `x-forwarded-client-cert` handling, and upgrade types allowed (`websocket`). */
  readonly forwardClientCertDetails?: string;
  /** Which parts of the peer certificate APPEND_FORWARD / SANITIZE_SET add (`set_current_client_cert_details`). */
  readonly setCurrentClientCertDetails?: ClientCertDetailsSelection;
  /** normalize_path / merge_slashes / path_with_escaped_slashes_action; absent when none is on. */
  readonly pathNormalization?: PathNormalization;
  /** Envoy's `common_http_protocol_options.max_headers_count` (default 100): more request headers → 431. */
  readonly maxHeadersCount?: number;
  readonly upgradeTypes: readonly string[];
  readonly serverName?: string;
}

/** `HttpConnectionManager.SetCurrentClientCertDetails`: the XFCC elements to add beside By and Hash. */
export interface ClientCertDetailsSelection {
  readonly subject: boolean;
  readonly cert: boolean;
  readonly chain: boolean;
  readonly dns: boolean;
  readonly uri: boolean;
}

/** One entry of `http_filters`; `config` is parsed by the filter's own config.ts. */
export interface HttpFilterConfig {
  readonly name: string;
  readonly typeUrl: string;
  readonly config: unknown;
}

// ---------------------------------------------------------------- routes

export interface RouteConfiguration {
  readonly name: string;
  readonly virtualHosts: readonly VirtualHost[];
  readonly requestHeadersToAdd?: readonly HeaderValueOption[];
  readonly requestHeadersToRemove?: readonly string[];
  readonly responseHeadersToAdd?: readonly HeaderValueOption[];
  readonly responseHeadersToRemove?: readonly string[];
}

export interface VirtualHost {
  readonly name: string;
  /** Exact, `*.suffix`, `prefix.*` or `*`, optionally with `:port`. */
  readonly domains: readonly string[];
  readonly routes: readonly Route[];
  readonly requestHeadersToAdd?: readonly HeaderValueOption[];
  readonly requestHeadersToRemove?: readonly string[];
  readonly responseHeadersToAdd?: readonly HeaderValueOption[];
  readonly responseHeadersToRemove?: readonly string[];
  /** Per-filter config by filter name (`envoy.filters.http.cors`, ...). */
  readonly perFilterConfig?: Readonly<Record<string, unknown>>;
  /** Retry policy applied to routes that set none. */
  readonly retryPolicy?: RetryPolicy;
}

export interface Route {
  readonly name?: string;
  readonly match: RouteMatch;
  readonly action: RouteAction | RedirectAction | DirectResponseAction;
  readonly requestHeadersToAdd?: readonly HeaderValueOption[];
  readonly requestHeadersToRemove?: readonly string[];
  readonly responseHeadersToAdd?: readonly HeaderValueOption[];
  readonly responseHeadersToRemove?: readonly string[];
  readonly perFilterConfig?: Readonly<Record<string, unknown>>;
  /** Istio's name for the VirtualService this route came from, for stats and proxy-config. */
  readonly decorator?: string;
}

export interface RouteMatch {
  readonly path: PathMatch;
  readonly caseSensitive: boolean;
  readonly headers: readonly HeaderMatcher[];
  readonly queryParameters: readonly QueryParameterMatcher[];
  /** Match only gRPC requests. */
  readonly grpc?: boolean;
  /**
   * `dynamic_metadata`: Envoy `type.matcher.v3.MetadataMatcher`s (as received, validated when
   * translated, compiled with the route table) that must all match the request's metadata.
   */
  readonly dynamicMetadata?: readonly unknown[];
}

export type PathMatch =
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'path'; readonly value: string }
  | { readonly kind: 'regex'; readonly value: string }
  | { readonly kind: 'path_separated_prefix'; readonly value: string };

/** Envoy's StringMatcher. */
export type StringMatch =
  | { readonly kind: 'exact'; readonly value: string; readonly ignoreCase?: boolean }
  | { readonly kind: 'prefix'; readonly value: string; readonly ignoreCase?: boolean }
  | { readonly kind: 'suffix'; readonly value: string; readonly ignoreCase?: boolean }
  | { readonly kind: 'contains'; readonly value: string; readonly ignoreCase?: boolean }
  | { readonly kind: 'regex'; readonly value: string };

/** A SAN type of `match_typed_subject_alt_names`; absent (untyped `match_subject_alt_names`): DNS, URI, email or IP. */
export type SanType = 'DNS' | 'URI' | 'EMAIL' | 'IP_ADDRESS';

/** A subject-alt-name matcher: a string matcher, restricted to one SAN type when typed. */
export type SanMatch = StringMatch & { readonly sanType?: SanType };

export interface HeaderMatcher {
  readonly name: string;
  /** Absent: the header must be present (any value). */
  readonly match?: StringMatch;
  /** `present_match: false` — the header must be absent. */
  readonly absent?: boolean;
  readonly invert: boolean;
  /** `treat_missing_header_as_empty`: a value matcher sees a missing header as "". */
  readonly treatMissingAsEmpty?: boolean;
}

export interface QueryParameterMatcher {
  readonly name: string;
  readonly match?: StringMatch;
  readonly presentMatch?: boolean;
}

export interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
  readonly requestHeadersToAdd?: readonly HeaderValueOption[];
  readonly requestHeadersToRemove?: readonly string[];
  readonly responseHeadersToAdd?: readonly HeaderValueOption[];
  readonly responseHeadersToRemove?: readonly string[];
  readonly hostRewrite?: string;
}

export interface RouteAction {
  readonly kind: 'route';
  readonly clusters: readonly WeightedCluster[];
  /** 0 disables the timeout (Envoy's default is 15 s; Istio sets 0 unless the VS says otherwise). */
  readonly timeoutMs: number;
  readonly idleTimeoutMs?: number;
  readonly retryPolicy?: RetryPolicy;
  readonly prefixRewrite?: string;
  readonly regexRewrite?: { readonly pattern: string; readonly substitution: string };
  readonly hostRewrite?: string;
  readonly autoHostRewrite?: boolean;
  readonly hashPolicy: readonly HashPolicy[];
  readonly mirrors: readonly MirrorPolicy[];
  /** Upgrade types (websocket) enabled on this route. */
  readonly upgradeTypes?: readonly string[];
  readonly maxStreamDurationMs?: number;
}

export interface RedirectAction {
  readonly kind: 'redirect';
  readonly schemeRedirect?: string;
  readonly hostRedirect?: string;
  readonly portRedirect?: number;
  readonly pathRedirect?: string;
  readonly prefixRewrite?: string;
  readonly regexRewrite?: { readonly pattern: string; readonly substitution: string };
  /** 301, 302, 303, 307 or 308. */
  readonly responseCode: number;
  readonly stripQuery: boolean;
}

export interface DirectResponseAction {
  readonly kind: 'direct_response';
  readonly status: number;
  readonly body?: string;
}

export interface RetryPolicy {
  /** Envoy's retry_on conditions: `5xx`, `gateway-error`, `reset`, `connect-failure`, `retriable-4xx`, `refused-stream`, `retriable-status-codes`, gRPC ones... */
  readonly retryOn: readonly string[];
  readonly numRetries: number;
  readonly perTryTimeoutMs?: number;
  readonly retriableStatusCodes: readonly number[];
  readonly retryHostPredicatePreviousHosts: boolean;
  readonly hostSelectionRetryMaxAttempts?: number;
  /** previous_priorities: every this many attempts, retries leave the priorities already tried. */
  readonly previousPrioritiesUpdateFrequency?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

export type HashPolicy =
  | { readonly kind: 'header'; readonly name: string; readonly terminal: boolean }
  | { readonly kind: 'cookie'; readonly name: string; readonly ttlMs?: number; readonly path?: string; readonly terminal: boolean }
  | { readonly kind: 'source_ip'; readonly terminal: boolean }
  | { readonly kind: 'query_parameter'; readonly name: string; readonly terminal: boolean };

export interface MirrorPolicy {
  readonly cluster: string;
  /** Fraction of requests mirrored, 0..1. */
  readonly fraction: number;
}

export interface HeaderValueOption {
  readonly key: string;
  readonly value: string;
  /** `APPEND_IF_EXISTS_OR_ADD`, `ADD_IF_ABSENT`, `OVERWRITE_IF_EXISTS_OR_ADD`, `OVERWRITE_IF_EXISTS`. */
  readonly action: 'append' | 'add_if_absent' | 'overwrite' | 'overwrite_if_exists';
}

// ---------------------------------------------------------------- clusters and endpoints

export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV' | 'CLUSTER_PROVIDED';

export interface ClusterConfig {
  readonly name: string;
  readonly type: 'EDS' | 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'ORIGINAL_DST';
  readonly lbPolicy: LbPolicy;
  readonly connectTimeoutMs: number;
  /** STATIC / DNS clusters carry their endpoints inline. */
  readonly loadAssignment?: ClusterLoadAssignment;
  readonly ringHash?: { readonly minimumRingSize: number; readonly maximumRingSize: number };
  readonly maglev?: { readonly tableSize: number };
  readonly leastRequest?: { readonly choiceCount: number };
  readonly circuitBreakers: CircuitBreakerThresholds;
  readonly outlierDetection?: OutlierDetectionConfig;
  /** Upstream TLS (used for every endpoint unless a transport socket match applies). */
  readonly tls?: UpstreamTlsConfig;
  /** Istio's auto-mTLS: endpoints whose metadata matches use this TLS config instead. */
  readonly tlsMatches: readonly { readonly name: string; readonly matchMetadata: Readonly<Record<string, string>>; readonly tls?: UpstreamTlsConfig }[];
  /** Speak HTTP/2 to the upstream (h2c or ALPN h2). */
  readonly http2: boolean;
  /** Use the downstream's protocol (Istio's `useClientProtocol`). */
  readonly useDownstreamProtocol: boolean;
  readonly idleTimeoutMs?: number;
  readonly maxRequestsPerConnection?: number;
  readonly maxConcurrentStreams?: number;
  readonly tcpKeepalive?: { readonly probes?: number; readonly timeMs?: number; readonly intervalMs?: number };
  /** ORIGINAL_DST: take the address from this header instead of the connection (`x-envoy-original-dst-host`). */
  readonly originalDstHeader?: string;
  /** Service name for stats and access logs (Istio metadata). */
  readonly serviceName?: string;
  readonly dnsRefreshRateMs?: number;
  /** Percent of healthy hosts below which a priority level balances over all hosts (Envoy's `healthy_panic_threshold`, default 50; 0 disables). */
  readonly healthyPanicThreshold?: number;
  /** Choose a locality by its weight before a host (Envoy's `locality_weighted_lb_config`). */
  readonly localityWeightedLb?: boolean;
}

export interface CircuitBreakerThresholds {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
}

export interface OutlierDetectionConfig {
  readonly consecutive5xx?: number;
  readonly consecutiveGatewayFailure?: number;
  readonly consecutiveLocalOriginFailure?: number;
  readonly splitExternalLocalOriginErrors: boolean;
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionPercent: number;
  /** Below this share of healthy hosts, ejection is disabled (panic mode). */
  readonly minHealthPercent?: number;
}

export interface ClusterLoadAssignment {
  readonly clusterName: string;
  readonly localities: readonly LocalityEndpoints[];
  /** Overprovisioning factor (percent) used for priority spill-over; Envoy's default 140. */
  readonly overprovisioningFactor: number;
}

export interface Locality {
  readonly region?: string;
  readonly zone?: string;
  readonly subZone?: string;
}

export interface LocalityEndpoints {
  readonly locality: Locality;
  readonly priority: number;
  readonly weight: number;
  readonly endpoints: readonly Endpoint[];
}

export interface Endpoint {
  readonly address: SocketAddress;
  readonly weight: number;
  readonly health: 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' | 'TIMEOUT' | 'DEGRADED' | 'UNKNOWN';
  /** Hostname for DNS-resolved endpoints and SNI. */
  readonly hostname?: string;
  /** Flattened filter metadata, e.g. `istio.tlsMode` = `istio`, `istio.workload`. */
  readonly metadata: Readonly<Record<string, string>>;
}

// ---------------------------------------------------------------- TLS and secrets

export interface DownstreamTlsConfig {
  /** SDS secret names (or inline material) for the server certificate. */
  readonly certificateSecrets: readonly string[];
  /** SDS secret name of the trusted CA for client certificates; required with `requireClientCertificate`. */
  readonly validationSecret?: string;
  readonly requireClientCertificate: boolean;
  /** Peer SANs accepted (Istio: prefix `spiffe://<trust domain>/` per mesh trust domain); empty accepts any from the CA. */
  readonly matchSubjectAltNames: readonly SanMatch[];
  readonly alpnProtocols: readonly string[];
  readonly minVersion?: string;
  readonly maxVersion?: string;
  readonly cipherSuites?: readonly string[];
  /** Accepted client certificates by SHA-256 of their SubjectPublicKeyInfo (base64); with the hashes, either list matching accepts. */
  readonly verifyCertificateSpki?: readonly string[];
  /** Accepted client certificates by SHA-256 of their DER (lower-case hex, no colons). */
  readonly verifyCertificateHash?: readonly string[];
}

export interface UpstreamTlsConfig {
  readonly sni?: string;
  /** SDS secret names of the client certificate (absent for SIMPLE TLS). */
  readonly certificateSecrets: readonly string[];
  readonly validationSecret?: string;
  /** Server SANs the peer must present (Istio: the destination's SPIFFE ids). */
  readonly matchSubjectAltNames: readonly SanMatch[];
  readonly alpnProtocols: readonly string[];
  /** True when the cluster is ISTIO_MUTUAL (peer is a mesh sidecar). */
  readonly istioMutual: boolean;
  readonly insecureSkipVerify: boolean;
}

/** One SDS secret: a certificate with key, or a trust bundle. */
export interface SecretConfig {
  readonly name: string;
  readonly certificateChain?: string;
  readonly privateKey?: string;
  readonly trustedCa?: string;
  /** PEM certificate revocation list(s) checked with `trustedCa`. */
  readonly crl?: string;
}
