/** Which part of the generated Envoy configuration a patch targets. */
export type ApplyTo =
  | 'INVALID' | 'LISTENER' | 'FILTER_CHAIN' | 'NETWORK_FILTER' | 'HTTP_FILTER' | 'ROUTE_CONFIGURATION'
  | 'VIRTUAL_HOST' | 'HTTP_ROUTE' | 'CLUSTER' | 'EXTENSION_CONFIG' | 'BOOTSTRAP' | 'LISTENER_FILTER';

/** Values of `ApplyTo` in protobuf order. */
export const APPLY_TO: readonly ApplyTo[] = ['INVALID', 'LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER', 'ROUTE_CONFIGURATION', 'VIRTUAL_HOST', 'HTTP_ROUTE', 'CLUSTER', 'EXTENSION_CONFIG', 'BOOTSTRAP', 'LISTENER_FILTER'];

/** Traffic direction / proxy kind a patch is generated for. */
export type PatchContext = 'ANY' | 'SIDECAR_INBOUND' | 'SIDECAR_OUTBOUND' | 'GATEWAY' | 'WAYPOINT';

/** Values of `PatchContext` in protobuf order. */
export const PATCH_CONTEXTS: readonly PatchContext[] = ['ANY', 'SIDECAR_INBOUND', 'SIDECAR_OUTBOUND', 'GATEWAY', 'WAYPOINT'];

/** How a patch changes the matched object. */
export type PatchOperation = 'INVALID' | 'MERGE' | 'ADD' | 'REMOVE' | 'INSERT_BEFORE' | 'INSERT_AFTER' | 'INSERT_FIRST' | 'REPLACE' | 'MERGE_AND_REPLACE_LIST';

/** Values of `PatchOperation` in protobuf order. */
export const PATCH_OPERATIONS: readonly PatchOperation[] = ['INVALID', 'MERGE', 'ADD', 'REMOVE', 'INSERT_BEFORE', 'INSERT_AFTER', 'INSERT_FIRST', 'REPLACE', 'MERGE_AND_REPLACE_LIST'];

/** Where an added HTTP filter goes when no relative position is given. */
export type FilterClass = 'UNSPECIFIED' | 'AUTHN' | 'AUTHZ' | 'STATS';

/** Values of `FilterClass` in protobuf order. */
export const FILTER_CLASSES: readonly FilterClass[] = ['UNSPECIFIED', 'AUTHN', 'AUTHZ', 'STATS'];

/** Route action a route match selects on. */
export type RouteAction = 'ANY' | 'ROUTE' | 'REDIRECT' | 'DIRECT_RESPONSE';

/** Values of `RouteAction` in protobuf order. */
export const ROUTE_ACTIONS: readonly RouteAction[] = ['ANY', 'ROUTE', 'REDIRECT', 'DIRECT_RESPONSE'];

/** Match on a proxy's version and node metadata. */
export interface ProxyMatch {
  /** RE2 regular expression over the proxy version. */
  proxyVersion?: string;
  metadata?: Record<string, string>;
}

/** Match on a network filter (and an HTTP filter inside the connection manager). */
export interface FilterMatch {
  name?: string;
  subFilter?: { name?: string };
}

/** Match on a filter chain of a listener. */
export interface FilterChainMatch {
  name?: string;
  sni?: string;
  transportProtocol?: string;
  applicationProtocols?: string;
  filter?: FilterMatch;
  destinationPort?: number;
}

/** Match on a listener. */
export interface ListenerMatch {
  portNumber?: number;
  /** Deprecated. */
  portName?: string;
  filterChain?: FilterChainMatch;
  listenerFilter?: string;
  name?: string;
}

/** Match on a route configuration, virtual host or route. */
export interface RouteConfigurationMatch {
  portNumber?: number;
  portName?: string;
  gateway?: string;
  vhost?: { name?: string; domainName?: string; route?: { name?: string; action?: RouteAction } };
  name?: string;
}

/** Match on a cluster. */
export interface ClusterMatch {
  portNumber?: number;
  service?: string;
  subset?: string;
  name?: string;
}

/** What a patch applies to; at most one of listener, routeConfiguration and cluster. */
export interface EnvoyConfigObjectMatch {
  context?: PatchContext;
  proxy?: ProxyMatch;
  listener?: ListenerMatch;
  routeConfiguration?: RouteConfigurationMatch;
  cluster?: ClusterMatch;
  /** Only with context WAYPOINT. */
  waypoint?: WaypointMatch;
}

/** A waypoint's listener filter (and HTTP sub-filter) or port. */
export interface WaypointMatch {
  filter?: { name?: string; subFilter?: { name?: string } };
  portNumber?: number;
}

/** The change itself. */
export interface Patch {
  operation?: PatchOperation;
  /** Envoy configuration in JSON form (a google.protobuf.Struct). */
  value?: Record<string, unknown>;
  filterClass?: FilterClass;
}

/** One patch with its match. */
export interface EnvoyConfigObjectPatch {
  applyTo?: ApplyTo;
  match?: EnvoyConfigObjectMatch;
  patch?: Patch;
}

/** Reference to a policy target (Gateway API style). */
export interface PolicyTargetReference {
  group?: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** istio.networking.v1alpha3.EnvoyFilter spec. */
export interface EnvoyFilterSpec {
  workloadSelector?: { labels?: Record<string, string> };
  targetRefs?: PolicyTargetReference[];
  configPatches?: EnvoyConfigObjectPatch[];
  priority?: number;
}
