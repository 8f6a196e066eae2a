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
  { name: 'an xDS v2 type in the value', valid: false, error: 'spec.configPatches[0].patch.value: unknown type type.googleapis.com/envoy.config.filter.http.lua.v2.Lua', yaml: ef('  configPatches:\n  - applyTo: HTTP_FILTER\n    patch:\n      operation: INSERT_FIRST\n      value: {name: lua, typed_config: {"@type": type.googleapis.com/envoy.config.filter.http.lua.v2.Lua}}') },
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
