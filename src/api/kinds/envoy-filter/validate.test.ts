import { runValidationCases } from '../../testing/validation-cases.js';

const ef = (spec: string): string => `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: tweak, namespace: shop}
spec:
${spec}`;

const luaPatch = `  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_INBOUND
      listener:
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter: {name: envoy.filters.http.router}
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.filters.http.lua
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
          inlineCode: "function envoy_on_request(h) end"`;

runValidationCases('EnvoyFilter', [
  { name: 'a Lua filter inserted before the router, with priority', valid: true, warning: 'spec: EnvoyFilter patches generated proxy configuration', yaml: ef(`  workloadSelector: {labels: {app: cart}}\n  priority: 10\n${luaPatch}`) },
  { name: 'a relative operation without priority warns', valid: true, warning: 'spec.configPatches[0].patch.operation: INSERT_BEFORE depends on what other EnvoyFilters did first', yaml: ef(luaPatch) },
  { name: 'a cluster merge', valid: true, yaml: ef('  configPatches:\n  - applyTo: CLUSTER\n    match: {context: SIDECAR_OUTBOUND, cluster: {service: reviews.shop.svc.cluster.local}}\n    patch: {operation: MERGE, value: {connect_timeout: 1s}}') },
  { name: 'a missing applyTo', valid: false, error: 'spec.configPatches[0].applyTo: applyTo is required', yaml: ef('  configPatches:\n  - patch: {operation: MERGE, value: {}}') },
  { name: 'a missing patch', valid: false, error: 'spec.configPatches[0].patch: patch is required', yaml: ef('  configPatches:\n  - applyTo: CLUSTER') },
  { name: 'a missing operation', valid: false, error: 'spec.configPatches[0].patch.operation: patch operation is required', yaml: ef('  configPatches:\n  - applyTo: CLUSTER\n    patch: {value: {}}') },
  { name: 'ADD without a value', valid: false, error: 'spec.configPatches[0].patch.value: patch value is required for operation ADD', yaml: ef('  configPatches:\n  - applyTo: CLUSTER\n    patch: {operation: ADD}') },
  { name: 'REMOVE without a value', valid: true, yaml: ef('  priority: 1\n  configPatches:\n  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy}}}}\n    patch: {operation: REMOVE}') },
  { name: 'an invalid proxyVersion regex', valid: false, error: 'spec.configPatches[0].match.proxy.proxyVersion: invalid regex', yaml: ef('  configPatches:\n  - applyTo: CLUSTER\n    match: {proxy: {proxyVersion: "^1\\\\.(2"}}\n    patch: {operation: MERGE, value: {}}') },
  { name: 'HTTP_FILTER with a cluster match', valid: false, error: 'spec.configPatches[0].match: applyTo HTTP_FILTER needs a listener match', yaml: ef('  configPatches:\n  - applyTo: HTTP_FILTER\n    match: {cluster: {name: x}}\n    patch: {operation: MERGE, value: {}}') },
  { name: 'HTTP_ROUTE with a listener match', valid: false, error: 'spec.configPatches[0].match: applyTo HTTP_ROUTE needs a routeConfiguration match', yaml: ef('  configPatches:\n  - applyTo: HTTP_ROUTE\n    match: {listener: {portNumber: 80}}\n    patch: {operation: MERGE, value: {}}') },
  { name: 'CLUSTER with a route match', valid: false, error: 'spec.configPatches[0].match: applyTo CLUSTER needs a cluster match', yaml: ef('  configPatches:\n  - applyTo: CLUSTER\n    match: {routeConfiguration: {portNumber: 80}}\n    patch: {operation: MERGE, value: {}}') },
  { name: 'two match kinds at once', valid: false, error: 'spec.configPatches[0].match: only one of listener, cluster may be set', yaml: ef('  configPatches:\n  - applyTo: CLUSTER\n    match: {listener: {portNumber: 80}, cluster: {name: x}}\n    patch: {operation: MERGE, value: {}}') },
  { name: 'a subFilter with applyTo NETWORK_FILTER', valid: false, error: 'spec.configPatches[0].match.listener.filterChain.filter.subFilter: a subFilter match can only be used with applyTo HTTP_FILTER', yaml: ef('  configPatches:\n  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}}\n    patch: {operation: MERGE, value: {}}') },
  { name: 'a subFilter under a non-HCM filter', valid: false, error: 'a subFilter match needs the filter match to name envoy.filters.network.http_connection_manager', yaml: ef('  configPatches:\n  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy, subFilter: {name: x}}}}}\n    patch: {operation: MERGE, value: {}}') },
  { name: 'a filter match without a name', valid: false, error: 'spec.configPatches[0].match.listener.filterChain.filter.name: a filter match needs a filter name', yaml: ef('  configPatches:\n  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {subFilter: {name: x}}}}}\n    patch: {operation: MERGE, value: {}}') },
  { name: 'a filter match with applyTo LISTENER warns', valid: true, warning: 'spec.configPatches[0].match.listener.filterChain.filter: a filter match has no effect with applyTo LISTENER', yaml: ef('  configPatches:\n  - applyTo: LISTENER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy}}}}\n    patch: {operation: MERGE, value: {}}') },
  { name: 'a deprecated filter name warns', valid: true, warning: 'spec.configPatches[0].match.listener.filterChain.filter.name: filter name "envoy.http_connection_manager" is deprecated', yaml: ef('  configPatches:\n  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.http_connection_manager}}}}\n    patch: {operation: MERGE, value: {}}') },
  { name: 'REPLACE on a cluster warns', valid: true, warning: 'spec.configPatches[0].patch.operation: REPLACE only works with applyTo HTTP_FILTER or NETWORK_FILTER, not CLUSTER', yaml: ef('  configPatches:\n  - applyTo: CLUSTER\n    patch: {operation: REPLACE, value: {name: x}}') },
  { name: 'ADD on a route configuration warns', valid: true, warning: 'spec.configPatches[0].patch.operation: ADD is ignored with applyTo ROUTE_CONFIGURATION', yaml: ef('  configPatches:\n  - applyTo: ROUTE_CONFIGURATION\n    patch: {operation: ADD, value: {name: x}}') },
  { name: 'an xDS v2 type in the value', valid: false, error: 'spec.configPatches[0].patch.value.typed_config["@type"]: unknown type type.googleapis.com/envoy.config.filter.http.lua.v2.Lua: xDS v2 types are not supported', yaml: ef('  configPatches:\n  - applyTo: HTTP_FILTER\n    patch:\n      operation: INSERT_FIRST\n      value: {name: lua, typed_config: {"@type": type.googleapis.com/envoy.config.filter.http.lua.v2.Lua}}') },
  { name: 'an unknown applyTo', valid: false, error: 'spec.configPatches[0].applyTo: unknown value "ROUTE"', yaml: ef('  configPatches:\n  - applyTo: ROUTE\n    patch: {operation: MERGE, value: {}}') },
  { name: 'workloadSelector together with targetRefs', valid: false, error: 'spec: only one of targetRefs or workloadSelector can be set', yaml: ef('  workloadSelector: {labels: {app: a}}\n  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]') },
  { name: 'a cross-namespace targetRef', valid: false, error: 'spec.targetRefs[0].namespace: cross-namespace targetRefs are not supported', yaml: ef('  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw, namespace: other}]') },
  { name: 'a targetRef without a name', valid: false, error: 'spec.targetRefs[0].name: name is required', yaml: ef('  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io}]') },
  { name: 'a wildcard in the workload selector', valid: false, error: 'spec.workloadSelector.labels.app: wildcards are not supported', yaml: ef('  workloadSelector: {labels: {app: "*"}}') },
  { name: 'a waypoint filter removed', valid: true, yaml: ef('  configPatches:\n  - applyTo: HTTP_FILTER\n    match: {context: WAYPOINT, waypoint: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.fault}}}}\n    patch: {operation: REMOVE}') },
  { name: 'a waypoint match outside the WAYPOINT context', valid: false, error: 'spec.configPatches[0].match: only support waypointMatch when context is WAYPOINT', yaml: ef('  configPatches:\n  - applyTo: CLUSTER\n    match: {context: GATEWAY, waypoint: {portNumber: 9080}}\n    patch: {operation: REMOVE}') },
  { name: 'the WAYPOINT context with a listener match', valid: false, error: 'only support waypointMatch when context is WAYPOINT', yaml: ef('  configPatches:\n  - applyTo: NETWORK_FILTER\n    match: {context: WAYPOINT, listener: {portNumber: 9080}}\n    patch: {operation: REMOVE}') },
  { name: 'a waypoint port out of range', valid: false, error: 'spec.configPatches[0].match.waypoint.portNumber: port must be between 1-65535', yaml: ef('  configPatches:\n  - applyTo: CLUSTER\n    match: {context: WAYPOINT, waypoint: {portNumber: 70000}}\n    patch: {operation: REMOVE}') },
  { name: 'a MERGE_AND_REPLACE_LIST patch', valid: true, yaml: ef('  configPatches:\n  - applyTo: CLUSTER\n    match: {cluster: {service: ratings.shop.svc.cluster.local}}\n    patch: {operation: MERGE_AND_REPLACE_LIST, value: {dns_lookup_family: V4_ONLY}}') },
]);

// Patch values are read as the Envoy message applyTo names. `value` is YAML at column 0.
const patchOf = (applyTo: string, operation: string, value: string): string =>
  ef(`  priority: 1\n  configPatches:\n  - applyTo: ${applyTo}\n    patch:\n      operation: ${operation}\n      value:\n${value.trim().split('\n').map((l) => `        ${l}`).join('\n')}`);

const T = 'type.googleapis.com';

runValidationCases('EnvoyFilter patch values', [
  // One valid value per applyTo, with real extensions and both field spellings.
  {
    name: 'LISTENER: buffer limit, Go-style timeout and a TLS inspector listener filter',
    valid: true,
    yaml: patchOf('LISTENER', 'MERGE', `
per_connection_buffer_limit_bytes: 32768
listenerFiltersTimeout: 1m30s
listener_filters:
- name: envoy.filters.listener.tls_inspector
  typed_config: {"@type": ${T}/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector}`),
  },
  {
    name: 'FILTER_CHAIN: an SNI chain with a TCP proxy',
    valid: true,
    yaml: patchOf('FILTER_CHAIN', 'ADD', `
filter_chain_match: {server_names: [db.example.com], destination_port: 5432}
filters:
- name: envoy.filters.network.tcp_proxy
  typed_config:
    "@type": ${T}/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
    stat_prefix: db
    cluster: outbound|5432||db.shop.svc.cluster.local
    idle_timeout: 1h
    max_connect_attempts: 3`),
  },
  {
    name: 'NETWORK_FILTER: an HTTP connection manager merge in lowerCamel names',
    valid: true,
    yaml: patchOf('NETWORK_FILTER', 'MERGE', `
name: envoy.filters.network.http_connection_manager
typedConfig:
  "@type": ${T}/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
  useRemoteAddress: true
  xffNumTrustedHops: 1
  commonHttpProtocolOptions: {idleTimeout: 30s, headersWithUnderscoresAction: REJECT_REQUEST}`),
  },
  {
    name: 'HTTP_FILTER: Lua in snake_case names with a named source',
    valid: true,
    yaml: patchOf('HTTP_FILTER', 'INSERT_BEFORE', `
name: envoy.filters.http.lua
typed_config:
  "@type": ${T}/envoy.extensions.filters.http.lua.v3.Lua
  default_source_code: {inline_string: "function envoy_on_request(h) end"}
  source_codes:
    audit.lua: {filename: /etc/lua/audit.lua}`),
  },
  {
    name: 'HTTP_FILTER: the router with its options',
    valid: true,
    yaml: patchOf('HTTP_FILTER', 'REPLACE', `
name: envoy.filters.http.router
typed_config: {"@type": ${T}/envoy.extensions.filters.http.router.v3.Router, suppress_envoy_headers: true, startChildSpan: false}`),
  },
  {
    name: 'HTTP_FILTER: fault injection with a delay and an abort',
    valid: true,
    yaml: patchOf('HTTP_FILTER', 'INSERT_FIRST', `
name: envoy.filters.http.fault
typed_config:
  "@type": ${T}/envoy.extensions.filters.http.fault.v3.HTTPFault
  delay: {fixed_delay: 2s, percentage: {numerator: 5, denominator: HUNDRED}}
  abort: {http_status: 503, percentage: {numerator: 1}}
  max_active_faults: 100`),
  },
  {
    name: 'HTTP_FILTER: RBAC denying a path prefix',
    valid: true,
    yaml: patchOf('HTTP_FILTER', 'INSERT_FIRST', `
name: envoy.filters.http.rbac
typed_config:
  "@type": ${T}/envoy.extensions.filters.http.rbac.v3.RBAC
  rules:
    action: DENY
    policies:
      deny-admin:
        permissions: [{url_path: {path: {prefix: /admin}}}]
        principals: [{any: true}]`),
  },
  {
    name: 'HTTP_FILTER: a local rate limit with a token bucket',
    valid: true,
    yaml: patchOf('HTTP_FILTER', 'INSERT_FIRST', `
name: envoy.filters.http.local_ratelimit
typed_config:
  "@type": ${T}/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
  stat_prefix: http_local_rate_limiter
  token_bucket: {max_tokens: 10, tokens_per_fill: "10", fill_interval: 60s}
  filter_enabled: {runtime_key: rl_enabled, default_value: {numerator: 100, denominator: HUNDRED}}
  response_headers_to_add: [{header: {key: x-local-rate-limit, value: "true"}}]`),
  },
  {
    name: 'ROUTE_CONFIGURATION: headers and a wrapped bool',
    valid: true,
    yaml: patchOf('ROUTE_CONFIGURATION', 'MERGE', `
response_headers_to_remove: [x-powered-by]
validate_clusters: false
max_direct_response_body_size_bytes: 4096`),
  },
  {
    name: 'VIRTUAL_HOST: a direct response host',
    valid: true,
    yaml: patchOf('VIRTUAL_HOST', 'ADD', `
name: health
domains: [health.example.com]
routes:
- match: {prefix: /}
  direct_response: {status: 200, body: {inline_string: ok}}`),
  },
  {
    name: 'HTTP_ROUTE: retries and a per-route fault keyed by filter name',
    valid: true,
    yaml: patchOf('HTTP_ROUTE', 'MERGE', `
route: {timeout: 0.5s, retry_policy: {retry_on: 5xx, num_retries: 3, per_try_timeout: 250ms}}
typed_per_filter_config:
  envoy.filters.http.fault:
    "@type": ${T}/envoy.extensions.filters.http.fault.v3.HTTPFault
    abort: {grpc_status: 14, percentage: {numerator: 50}}
metadata: {filter_metadata: {shop: {owner: cart, weight: 3}}}`),
  },
  {
    name: 'CLUSTER: a DNS cluster with TLS, enums by name and by number',
    valid: true,
    yaml: patchOf('CLUSTER', 'ADD', `
name: payments-external
type: STRICT_DNS
connect_timeout: 1s
lb_policy: 1
dns_lookup_family: V4_ONLY
circuit_breakers: {thresholds: [{priority: HIGH, max_connections: "1000"}]}
load_assignment:
  cluster_name: payments-external
  endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: pay.example.com, port_value: 443}}}}]}]
transport_socket:
  name: envoy.transport_sockets.tls
  typed_config: {"@type": ${T}/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext, sni: pay.example.com}`),
  },
  {
    name: 'EXTENSION_CONFIG: a Lua filter carried in a udpa TypedStruct',
    valid: true,
    yaml: patchOf('EXTENSION_CONFIG', 'ADD', `
name: shop-lua
typed_config:
  "@type": ${T}/udpa.type.v1.TypedStruct
  type_url: ${T}/envoy.extensions.filters.http.lua.v3.Lua
  value: {inline_code: "function envoy_on_response(h) end"}`),
  },
  {
    name: 'EXTENSION_CONFIG: an xds TypedStruct',
    valid: true,
    yaml: patchOf('EXTENSION_CONFIG', 'ADD', `
name: wasm-stats
typed_config: {"@type": ${T}/xds.type.v3.TypedStruct, typeUrl: ${T}/envoy.extensions.filters.http.wasm.v3.Wasm, value: {config: {name: stats}}}`),
  },
  {
    name: 'BOOTSTRAP: stats tags and a runtime layer (a Struct)',
    valid: true,
    yaml: patchOf('BOOTSTRAP', 'MERGE', `
stats_config:
  use_all_default_tags: true
  stats_tags: [{tag_name: shop_tag, regex: "^shop\\\\.((.+?)\\\\.)"}]
layered_runtime:
  layers: [{name: static, static_layer: {overload.global_downstream_max_connections: 50000, re2.max_program_size.error_level: 200}}]`),
  },
  {
    name: 'LISTENER_FILTER: the proxy protocol filter',
    valid: true,
    yaml: patchOf('LISTENER_FILTER', 'INSERT_FIRST', `
name: envoy.filters.listener.proxy_protocol
typed_config: {"@type": ${T}/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol}`),
  },
  {
    name: 'an Any of a well-known type carries it in "value"',
    valid: true,
    yaml: patchOf('EXTENSION_CONFIG', 'ADD', `
name: x
typed_config: {"@type": ${T}/google.protobuf.Struct, value: {anything: [1, two]}}`),
  },
  {
    name: 'an Istio-specific type is accepted unchecked, with a warning',
    valid: true,
    warning: `spec.configPatches[0].patch.value.typed_config["@type"]: type ${T}/stats.PluginConfig is not in the Envoy API Plexus reads`,
    yaml: patchOf('HTTP_FILTER', 'INSERT_FIRST', `
name: istio.stats
typed_config: {"@type": ${T}/stats.PluginConfig, disable_host_header_fallback: true}`),
  },
  {
    name: 'a filter without typed_config warns as Istio does',
    valid: true,
    warning: 'spec.configPatches[0].patch.value: "envoy.filters.http.router" has no typed_config',
    yaml: patchOf('HTTP_FILTER', 'INSERT_FIRST', 'name: envoy.filters.http.router'),
  },
  // Unknown fields: istiod's strict pass only warns (it then drops the field), so Plexus warns too.
  {
    name: 'an unknown top-level field warns with a suggestion',
    valid: true,
    warning: 'spec.configPatches[0].patch.value.conect_timeout: unknown field "conect_timeout" in envoy.config.cluster.v3.Cluster; did you mean "connect_timeout"? (Istio accepts the patch but drops the field)',
    yaml: patchOf('CLUSTER', 'MERGE', 'conect_timeout: 1s'),
  },
  {
    name: 'an unknown field nested inside an Any warns',
    valid: true,
    warning: 'spec.configPatches[0].patch.value.typed_config.inlineCod: unknown field "inlineCod" in envoy.extensions.filters.http.lua.v3.Lua; did you mean "inline_code"?',
    yaml: patchOf('HTTP_FILTER', 'INSERT_FIRST', `
name: envoy.filters.http.lua
typed_config: {"@type": ${T}/envoy.extensions.filters.http.lua.v3.Lua, inlineCod: "x"}`),
  },
  {
    name: 'two members of a oneof warn (Istio keeps the one declared last)',
    valid: true,
    warning: 'spec.configPatches[0].patch.value.redirect: only one of route, redirect, direct_response',
    yaml: patchOf('HTTP_ROUTE', 'ADD', `
match: {prefix: /old}
route: {cluster: legacy}
redirect: {path_redirect: /new}`),
  },
  // What istiod's webhook rejects.
  {
    name: 'an unknown message in a known package',
    valid: false,
    error: `spec.configPatches[0].patch.value.typed_config["@type"]: unknown type ${T}/envoy.extensions.filters.http.lua.v3.LuaFilter: package envoy.extensions.filters.http.lua.v3 has no message LuaFilter`,
    yaml: patchOf('HTTP_FILTER', 'INSERT_FIRST', `
name: lua
typed_config: {"@type": ${T}/envoy.extensions.filters.http.lua.v3.LuaFilter}`),
  },
  {
    name: 'a type name in the wrong case gets a suggestion',
    valid: false,
    error: `did you mean ${T}/envoy.extensions.filters.http.router.v3.Router?`,
    yaml: patchOf('HTTP_FILTER', 'INSERT_FIRST', `
name: router
typed_config: {"@type": ${T}/envoy.extensions.filters.http.router.v3.router}`),
  },
  {
    name: 'an unknown package',
    valid: false,
    error: `spec.configPatches[0].patch.value.typed_config["@type"]: unknown type ${T}/envoy.filters.http.lua.v3.Lua: no package envoy.filters.http.lua.v3`,
    yaml: patchOf('HTTP_FILTER', 'INSERT_FIRST', `
name: lua
typed_config: {"@type": ${T}/envoy.filters.http.lua.v3.Lua}`),
  },
  {
    name: 'a number where a string goes, deep inside an HCM',
    valid: false,
    error: 'spec.configPatches[0].patch.value.typed_config.http_filters[1].name: expected a string (envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter.name), got a number (42)',
    yaml: patchOf('NETWORK_FILTER', 'MERGE', `
typed_config:
  "@type": ${T}/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
  http_filters:
  - name: envoy.filters.http.lua
    typed_config: {"@type": ${T}/envoy.extensions.filters.http.lua.v3.Lua}
  - name: 42`),
  },
  {
    name: 'a bad duration',
    valid: false,
    error: 'spec.configPatches[0].patch.value.connect_timeout: invalid duration "1 second": expected a number with a unit',
    yaml: patchOf('CLUSTER', 'MERGE', 'connect_timeout: 1 second'),
  },
  {
    name: 'a duration without a unit',
    valid: false,
    error: 'spec.configPatches[0].patch.value.route.timeout: expected a duration string such as "1.5s" or "300ms" (google.protobuf.Duration), got a number (5)',
    yaml: patchOf('HTTP_ROUTE', 'MERGE', 'route: {timeout: 5}'),
  },
  {
    name: 'a misspelt enum value',
    valid: false,
    error: 'spec.configPatches[0].patch.value.lb_policy: unknown value "ROUND_ROBINN" for enum envoy.config.cluster.v3.Cluster.LbPolicy; expected one of ROUND_ROBIN, LEAST_REQUEST',
    yaml: patchOf('CLUSTER', 'MERGE', 'lb_policy: ROUND_ROBINN'),
  },
  {
    name: 'an Any without @type',
    valid: false,
    error: 'spec.configPatches[0].patch.value.typed_config: an Any needs "@type"',
    yaml: patchOf('HTTP_FILTER', 'INSERT_FIRST', 'name: envoy.filters.http.lua\ntyped_config: {inline_code: "function envoy_on_request(h) end"}'),
  },
  {
    name: 'an Any of a well-known type without "value"',
    valid: false,
    error: 'spec.configPatches[0].patch.value.typed_config: an Any holding google.protobuf.StringValue carries it in "value"',
    yaml: patchOf('EXTENSION_CONFIG', 'ADD', `name: x\ntyped_config: {"@type": ${T}/google.protobuf.StringValue}`),
  },
  {
    name: 'a negative number for a uint32',
    valid: false,
    error: 'spec.configPatches[0].patch.value.per_connection_buffer_limit_bytes: expected a uint32 (the bare value of a google.protobuf.UInt32Value): -1 is out of range [0, 4294967295]',
    yaml: patchOf('LISTENER', 'MERGE', 'per_connection_buffer_limit_bytes: -1'),
  },
  {
    name: 'a wrapped bool written as a string',
    valid: false,
    error: 'spec.configPatches[0].patch.value.typed_config.use_remote_address: expected true or false (the bare value of a google.protobuf.BoolValue), got a string ("true")',
    yaml: patchOf('NETWORK_FILTER', 'MERGE', `typed_config: {"@type": ${T}/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager, use_remote_address: "true"}`),
  },
  {
    name: 'a wrapper written as an object',
    valid: false,
    error: 'spec.configPatches[0].patch.value.typed_config.max_connect_attempts: expected a uint32',
    yaml: patchOf('NETWORK_FILTER', 'MERGE', `typed_config: {"@type": ${T}/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, max_connect_attempts: {value: 3}}`),
  },
  {
    name: 'a string where a message goes',
    valid: false,
    error: 'spec.configPatches[0].patch.value.load_assignment: expected an object (envoy.config.endpoint.v3.ClusterLoadAssignment), got a string ("pay.example.com:443")',
    yaml: patchOf('CLUSTER', 'ADD', 'name: pay\nload_assignment: "pay.example.com:443"'),
  },
  {
    name: 'a single string where a list goes',
    valid: false,
    error: 'spec.configPatches[0].patch.value.domains: expected a list (repeated string envoy.config.route.v3.VirtualHost.domains), got a string ("shop.example.com")',
    yaml: patchOf('VIRTUAL_HOST', 'ADD', 'name: shop\ndomains: shop.example.com'),
  },
  {
    name: 'bytes that are not base64',
    valid: false,
    error: 'spec.configPatches[0].patch.value.direct_response.body.inline_bytes: invalid base64',
    yaml: patchOf('HTTP_ROUTE', 'MERGE', 'direct_response: {status: 200, body: {inline_bytes: "not base64!"}}'),
  },
  {
    name: 'a value that is not an object',
    valid: false,
    error: 'spec.configPatches[0].patch.value: patch value must be an object (an Envoy envoy.config.cluster.v3.Cluster in JSON form)',
    yaml: patchOf('CLUSTER', 'MERGE', '[connect_timeout]'),
  },
  {
    name: 'an error inside a per-filter config map entry',
    valid: false,
    error: 'spec.configPatches[0].patch.value.typed_per_filter_config["envoy.filters.http.fault"].abort.http_status: expected a uint32',
    yaml: patchOf('HTTP_ROUTE', 'MERGE', `
typed_per_filter_config:
  envoy.filters.http.fault: {"@type": ${T}/envoy.extensions.filters.http.fault.v3.HTTPFault, abort: {http_status: "503 Service Unavailable"}}`),
  },
]);
