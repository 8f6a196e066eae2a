// Translation of single xDS resources into the proxy model, and what gets rejected.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterConfig, HttpConnectionManagerConfig, ListenerConfig, RouteConfiguration } from '../src/proxy/config/model.js';
import { InvalidResourceError } from '../src/proxy/xds-client/invalid-resource.js';
import { packAny, type ProtoJson } from '../src/proxy/xds-client/proto-root.js';
import { XDS_TYPE } from '../src/proxy/xds-client/resource-types.js';
import { jsonToStruct } from '../src/proxy/xds-client/struct-json.js';
import type { TranslatedCluster } from '../src/proxy/xds-client/translate-cluster.js';
import { translateResource } from '../src/proxy/xds-client/translate-resource.js';
import { hcm, ROUTER } from './proxy-xds-client-fake-ads.js';

const noFiles = (path: string): string => {
  throw new Error(`no file ${path}`);
};

function listener(l: ProtoJson): ListenerConfig {
  return translateResource(XDS_TYPE.listener, packAny('envoy.config.listener.v3.Listener', l), 'v', 0, noFiles).value;
}
function routes(r: ProtoJson): RouteConfiguration {
  return translateResource(XDS_TYPE.route, packAny('envoy.config.route.v3.RouteConfiguration', r), 'v', 0, noFiles).value;
}
function cluster(c: ProtoJson): TranslatedCluster {
  return translateResource(XDS_TYPE.cluster, packAny('envoy.config.cluster.v3.Cluster', c), 'v', 0, noFiles).value;
}
function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof InvalidResourceError && pattern.test(err.message));
}

const ADDRESS = { socket_address: { address: '0.0.0.0', port_value: 15006 } };
const tcp = (cluster: string): ProtoJson => ({ name: 'envoy.filters.network.tcp_proxy', typed_config: packAny('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', { stat_prefix: cluster, cluster }) });
const downstreamTls = packAny('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', {
  require_client_certificate: { value: true },
  common_tls_context: {
    tls_certificate_sds_secret_configs: [{ name: 'default' }],
    combined_validation_context: { default_validation_context: { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { prefix: 'spiffe://cluster.local/' } }] }, validation_context_sds_secret_config: { name: 'ROOTCA' } },
    alpn_protocols: ['h2', 'http/1.1'],
    tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
  },
});

describe('proxy xds-client translation', () => {
  it('listeners: filter chains, TLS termination, tcp_proxy, RBAC, listener filters', () => {
    const l = listener({
      name: 'virtualInbound', address: ADDRESS, use_original_dst: { value: true },
      listener_filters: [
        { name: 'envoy.filters.listener.original_dst', typed_config: packAny('envoy.extensions.filters.listener.original_dst.v3.OriginalDst', {}) },
        { name: 'envoy.filters.listener.tls_inspector', typed_config: packAny('envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector', {}) },
      ],
      filter_chains: [
        {
          name: 'inbound|9080||',
          filter_chain_match: { destination_port: { value: 9080 }, transport_protocol: 'tls', application_protocols: ['istio', 'istio-http/1.1'], prefix_ranges: [{ address_prefix: '198.18.0.0', prefix_len: { value: 16 } }] },
          transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: downstreamTls },
          filters: [
            { name: 'envoy.filters.network.rbac', typed_config: packAny('envoy.extensions.filters.network.rbac.v3.RBAC', { stat_prefix: 'tcp.', rules: { action: 'DENY', policies: {} } }) },
            { name: 'envoy.filters.network.http_connection_manager', typed_config: hcm({ route_config: { name: 'inbound|9080||', virtual_hosts: [{ name: 'inbound', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'inbound|9080||' } }] }] } }) },
          ],
        },
        { name: 'tcp', filter_chain_match: { destination_port: { value: 3306 } }, filters: [tcp('inbound|3306||')] },
      ],
      default_filter_chain: { filters: [tcp('InboundPassthroughCluster')] },
    });
    assert.equal(l.useOriginalDst, true);
    assert.equal(l.bindToPort, true);
    assert.equal(l.tlsInspector, true);
    assert.equal(l.httpInspector, false);
    const chain = l.filterChains[0]!;
    assert.deepEqual(chain.match, { destinationPort: 9080, transportProtocol: 'tls', applicationProtocols: ['istio', 'istio-http/1.1'], prefixRanges: [{ addressPrefix: '198.18.0.0', prefixLen: 16 }] });
    assert.deepEqual(chain.tls, {
      certificateSecrets: ['default'], validationSecret: 'ROOTCA', requireClientCertificate: true,
      matchSubjectAltNames: [{ kind: 'prefix', value: 'spiffe://cluster.local/', sanType: 'URI' }], alpnProtocols: ['h2', 'http/1.1'], minVersion: 'TLSv1.2',
    });
    assert.equal(chain.filters[0]!.kind, 'network_rbac');
    const h = chain.filters[1] as HttpConnectionManagerConfig;
    assert.equal(h.routeConfig?.virtualHosts[0]!.name, 'inbound');
    assert.equal(h.codec, 'AUTO');
    assert.equal(h.generateRequestId, true);
    assert.equal(h.maxRequestHeadersKb, 60);
    assert.deepEqual(l.filterChains[1]!.filters[0], { kind: 'tcp_proxy', statPrefix: 'inbound|3306||', clusters: [{ name: 'inbound|3306||', weight: 1 }] });
    assert.equal(l.defaultFilterChain?.name, 'virtualInbound#default');
  });

  it('listeners: rejects duplicate chains, a misplaced router, unknown filters; skips optional ones', () => {
    const chain = { filter_chain_match: { destination_port: { value: 80 } }, filters: [tcp('a')] };
    rejects(() => listener({ name: 'l', address: ADDRESS, filter_chains: [chain, chain] }), /filter_chains\[1\]: multiple filter chains with the same matching rules/);
    const withFilters = (filters: ProtoJson[]): ProtoJson => ({ name: 'l', address: ADDRESS, filter_chains: [{ filters: [{ name: 'hcm', typed_config: hcm({ http_filters: filters, rds: { route_config_name: 'r' } }) }] }] });
    const fault = { name: 'envoy.filters.http.fault', typed_config: packAny('envoy.extensions.filters.http.fault.v3.HTTPFault', {}) };
    rejects(() => listener(withFilters([ROUTER, fault])), /http_filters: the router filter must be present once, as the last filter/);
    const unknown = { name: 'x', typed_config: { type_url: 'type.googleapis.com/istio.unknown.Filter', value: Buffer.alloc(0) } };
    rejects(() => listener(withFilters([unknown, ROUTER])), /http_filters\[0\]\.typed_config: unknown HTTP filter type type.googleapis.com\/istio.unknown.Filter/);
    const l = listener(withFilters([{ ...unknown, is_optional: true }, fault, ROUTER]));
    const h = l.filterChains[0]!.filters[0] as HttpConnectionManagerConfig;
    assert.deepEqual(h.httpFilters.map((f) => f.name), ['envoy.filters.http.fault', 'envoy.filters.http.router']);
    rejects(() => listener({ name: 'l', address: { socket_address: { address: 'localhost', port_value: 1 } }, filter_chains: [chain] }), /address\.socket_address\.address: localhost is not an IP address/);
  });

  it('routes: matchers, weighted clusters, retries, hash policy, mirrors, redirects, direct responses', () => {
    const rc = routes({
      name: '9080',
      response_headers_to_remove: ['x-envoy-upstream-service-time'],
      virtual_hosts: [{
        name: 'reviews', domains: ['reviews.default.svc.cluster.local', '*.example.com'],
        retry_policy: { retry_on: 'connect-failure,refused-stream', num_retries: { value: 2 } },
        routes: [
          {
            match: { path: '/exact', case_sensitive: { value: false }, headers: [{ name: 'x-user', string_match: { exact: 'jason' } }, { name: 'x-gone', present_match: false }], query_parameters: [{ name: 'debug', present_match: true }] },
            route: {
              weighted_clusters: { clusters: [{ name: 'a', weight: { value: 75 }, request_headers_to_add: [{ header: { key: 'x-w', value: 'a' }, append: { value: false } }] }, { name: 'b', weight: { value: 25 } }] },
              timeout: { seconds: 3 },
              retry_policy: { retry_on: '5xx,retriable-status-codes', num_retries: { value: 4 }, per_try_timeout: { nanos: 250_000_000 }, retriable_status_codes: [503], retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }], host_selection_retry_max_attempts: '5', retry_back_off: { base_interval: { nanos: 25_000_000 } } },
              hash_policy: [{ header: { header_name: 'x-user' } }, { cookie: { name: 'session', ttl: { seconds: 60 }, path: '/' }, terminal: true }, { connection_properties: { source_ip: true } }, { query_parameter: { name: 'u' } }],
              request_mirror_policies: [{ cluster: 'shadow', runtime_fraction: { default_value: { numerator: 10, denominator: 'HUNDRED' } } }],
              prefix_rewrite: '/v2',
              upgrade_configs: [{ upgrade_type: 'websocket' }],
            },
            decorator: { operation: 'reviews.default.svc.cluster.local:9080/*' },
          },
          { match: { safe_regex: { regex: '^/r/[0-9]+$' } }, redirect: { https_redirect: true, host_redirect: 'new.example.com', response_code: 'PERMANENT_REDIRECT', strip_query: true } },
          { match: { prefix: '/teapot' }, direct_response: { status: 418, body: { inline_string: 'short and stout' } } },
        ],
      }],
    });
    assert.deepEqual(rc.responseHeadersToRemove, ['x-envoy-upstream-service-time']);
    const vh = rc.virtualHosts[0]!;
    assert.deepEqual(vh.retryPolicy, { retryOn: ['connect-failure', 'refused-stream'], numRetries: 2, retriableStatusCodes: [], retryHostPredicatePreviousHosts: false });
    const [r0, r1, r2] = vh.routes;
    assert.deepEqual(r0!.match, {
      path: { kind: 'path', value: '/exact' }, caseSensitive: false,
      headers: [{ name: 'x-user', invert: false, match: { kind: 'exact', value: 'jason' } }, { name: 'x-gone', invert: false, absent: true }],
      queryParameters: [{ name: 'debug', presentMatch: true }],
    });
    assert.equal(r0!.decorator, 'reviews.default.svc.cluster.local:9080/*');
    assert.deepEqual(r0!.action, {
      kind: 'route',
      clusters: [{ name: 'a', weight: 75, requestHeadersToAdd: [{ key: 'x-w', value: 'a', action: 'overwrite' }] }, { name: 'b', weight: 25 }],
      timeoutMs: 3000,
      hashPolicy: [{ kind: 'header', name: 'x-user', terminal: false }, { kind: 'cookie', name: 'session', ttlMs: 60_000, path: '/', terminal: true }, { kind: 'source_ip', terminal: false }, { kind: 'query_parameter', name: 'u', terminal: false }],
      mirrors: [{ cluster: 'shadow', fraction: 0.1 }],
      retryPolicy: { retryOn: ['5xx', 'retriable-status-codes'], numRetries: 4, perTryTimeoutMs: 250, retriableStatusCodes: [503], retryHostPredicatePreviousHosts: true, hostSelectionRetryMaxAttempts: 5, backoffBaseMs: 25 },
      prefixRewrite: '/v2',
      upgradeTypes: ['websocket'],
    });
    assert.deepEqual(r1!.action, { kind: 'redirect', responseCode: 308, stripQuery: true, schemeRedirect: 'https', hostRedirect: 'new.example.com' });
    assert.deepEqual(r2!.action, { kind: 'direct_response', status: 418, body: 'short and stout' });
  });

  it('routes: retry priorities — previous_priorities with its update frequency, nothing else', () => {
    const withPriority = (retry_priority: ProtoJson): ProtoJson => ({
      name: 'r',
      virtual_hosts: [{ name: 'a', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c', retry_policy: { retry_on: '5xx', num_retries: { value: 3 }, retry_priority } } }] }],
    });
    const previous = { name: 'envoy.retry_priorities.previous_priorities', typed_config: packAny('envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig', { update_frequency: 2 }) };
    const action = routes(withPriority(previous)).virtualHosts[0]!.routes[0]!.action;
    assert.equal(action.kind === 'route' ? action.retryPolicy?.previousPrioritiesUpdateFrequency : undefined, 2);
    rejects(() => routes(withPriority({ name: 'envoy.retry_priorities.other' })), /retry_policy\.retry_priority: unsupported retry priority envoy\.retry_priorities\.other/);
  });

  it('routes: rejects duplicate domains, bad header names, zero weights', () => {
    const vh = (name: string, domains: string[], route: ProtoJson = { match: { prefix: '/' }, route: { cluster: 'c' } }): ProtoJson => ({ name, domains, routes: [route] });
    rejects(() => routes({ name: 'r', virtual_hosts: [vh('a', ['x', '*']), vh('b', ['*'])] }), /virtual_hosts\[1\]\.domains\[0\]: domain \* is also used by virtual host a/);
    rejects(() => routes({ name: 'r', virtual_hosts: [vh('a', ['x'], { match: { prefix: '/' }, route: { cluster: 'c' }, request_headers_to_add: [{ header: { key: ':path', value: '/' } }] })] }), /request_headers_to_add\[0\]\.header\.key: header :path cannot be modified/);
    rejects(() => routes({ name: 'r', virtual_hosts: [vh('a', ['x'], { match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'c', weight: { value: 0 } }] } } })] }), /weighted_clusters: the sum of weights must be greater than zero/);
    rejects(() => routes({ name: 'r', virtual_hosts: [vh('a', ['x'], { match: { prefix: '/' }, route: { cluster_header: 'x-cluster' } })] }), /cluster_header is not supported/);
  });

  it('clusters: DNS and static endpoints, ring hash, transport socket matches, downstream protocol', () => {
    const dns = cluster({
      name: 'outbound|443||api.example.com', type: 'STRICT_DNS', lb_policy: 'RING_HASH', dns_refresh_rate: { seconds: 30 },
      ring_hash_lb_config: { minimum_ring_size: { value: '2048' } },
      load_assignment: { cluster_name: 'outbound|443||api.example.com', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'api.example.com', port_value: 443 } } } }] }] },
      transport_socket_matches: [
        { name: 'tlsMode-istio', match: jsonToStruct({ tlsMode: 'istio' }), transport_socket: { name: 'tls', typed_config: packAny('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', { sni: 'api.example.com', common_tls_context: { validation_context: { trusted_ca: { inline_string: 'PEM-CA' } } } }) } },
        { name: 'tlsMode-disabled', match: jsonToStruct({}), transport_socket: { name: 'raw', typed_config: packAny('envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer', {}) } },
      ],
      typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': packAny('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', { use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} } }) },
      upstream_connection_options: { tcp_keepalive: { keepalive_probes: { value: 3 }, keepalive_time: { value: 60 } } },
    });
    const c: ClusterConfig = dns.cluster;
    assert.equal(dns.edsName, undefined);
    assert.equal(c.type, 'STRICT_DNS');
    assert.deepEqual(c.ringHash, { minimumRingSize: 2048, maximumRingSize: 8 * 1024 * 1024 });
    assert.equal(c.dnsRefreshRateMs, 30_000);
    assert.equal(c.loadAssignment?.localities[0]!.endpoints[0]!.address.address, 'api.example.com');
    assert.equal(c.useDownstreamProtocol, true);
    assert.deepEqual(c.tcpKeepalive, { probes: 3, timeMs: 60_000 });
    assert.deepEqual(c.tlsMatches[0]!.matchMetadata, { 'envoy.transport_socket_match.tlsMode': 'istio' });
    assert.match(c.tlsMatches[0]!.tls!.validationSecret!, /^inline:[0-9a-f]{16}$/);
    assert.equal(c.tlsMatches[0]!.tls!.insecureSkipVerify, false);
    assert.deepEqual(c.tlsMatches[1], { name: 'tlsMode-disabled', matchMetadata: {} });

    const eds = cluster({ name: 'c', type: 'EDS', eds_cluster_config: { service_name: 'svc', eds_config: { ads: {} } } });
    assert.equal(eds.edsName, 'svc');
    assert.equal(eds.cluster.lbPolicy, 'ROUND_ROBIN');
    assert.deepEqual(eds.cluster.circuitBreakers, { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 });
  });

  it('clusters and endpoints: rejects what the model cannot express', () => {
    rejects(() => cluster({ name: 'c', type: 'EDS' }), /Cluster "c": eds_cluster_config: an EDS cluster needs eds_cluster_config/);
    rejects(() => cluster({ name: 'c', type: 'ORIGINAL_DST', lb_policy: 'ROUND_ROBIN' }), /lb_policy ROUND_ROBIN is not valid for an ORIGINAL_DST cluster/);
    rejects(() => cluster({ name: 'c', type: 'EDS', eds_cluster_config: {}, lb_policy: 'LOAD_BALANCING_POLICY_CONFIG' }), /lb_policy LOAD_BALANCING_POLICY_CONFIG is not supported/);
    rejects(() => cluster({ name: 'c', type: 'EDS', eds_cluster_config: {}, transport_socket: { name: 'alts', typed_config: { type_url: 'type.googleapis.com/envoy.extensions.transport_sockets.alts.v3.Alts', value: Buffer.alloc(0) } } }), /transport_socket\.typed_config: unsupported upstream transport socket/);
    const cla = (endpoints: ProtoJson[]): unknown => translateResource(XDS_TYPE.endpoint, packAny('envoy.config.endpoint.v3.ClusterLoadAssignment', { cluster_name: 'c', endpoints }), 'v', 0, noFiles);
    const ep = { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '198.18.0.1', port_value: 80 } } } }] };
    rejects(() => cla([ep, { ...ep, priority: 2 }]), /priorities must run from 0 without gaps; found 0,2/);
    rejects(() => translateResource(XDS_TYPE.endpoint, packAny('envoy.config.endpoint.v3.ClusterLoadAssignment', { cluster_name: 'c' }), 'v', 0, noFiles, 'other'), /cluster_name: does not match the resource name "other"/);
  });

  it('secrets: certificates and trust bundles, PEM checked', () => {
    const cert = translateResource(XDS_TYPE.secret, packAny('envoy.extensions.transport_sockets.tls.v3.Secret', {
      name: 'default', tls_certificate: { certificate_chain: { inline_string: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n' }, private_key: { inline_bytes: Buffer.from('-----BEGIN PRIVATE KEY-----\ny\n-----END PRIVATE KEY-----\n') } },
    }), 'v', 0, noFiles).value;
    assert.equal(cert.name, 'default');
    assert.match(cert.privateKey!, /BEGIN PRIVATE KEY/);
    rejects(() => translateResource(XDS_TYPE.secret, packAny('envoy.extensions.transport_sockets.tls.v3.Secret', { name: 'ROOTCA', validation_context: { trusted_ca: { filename: '/nonexistent/root.pem' } } }), 'v', 0, noFiles), /validation_context\.trusted_ca\.filename: cannot read \/nonexistent\/root.pem/);
  });
});
