// The VirtualService spec as Istio's API defines it (networking.istio.io, proto field names in
// camelCase). Durations are Go/protobuf duration strings.

import type { PortSelector } from '../destination-rule/types.js';

/** VirtualService: routing rules for a set of hosts. A VS without hosts is a delegate. */
export interface VirtualServiceSpec {
  hosts?: string[];
  gateways?: string[];
  http?: HTTPRoute[];
  tls?: TLSRoute[];
  tcp?: TCPRoute[];
  exportTo?: string[];
}

/** A service (and optionally subset and port) traffic is sent to. */
export interface Destination {
  host?: string;
  subset?: string;
  port?: PortSelector;
}

/** `exact`, `prefix` or `regex` (RE2); at most one is set. */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

/** Header manipulation for requests and responses. */
export interface Headers {
  request?: HeaderOperations;
  response?: HeaderOperations;
}

/** set / add / remove of headers. */
export interface HeaderOperations {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

/** An HTTP routing rule. */
export interface HTTPRoute {
  name?: string;
  match?: HTTPMatchRequest[];
  route?: HTTPRouteDestination[];
  redirect?: HTTPRedirect;
  directResponse?: HTTPDirectResponse;
  delegate?: Delegate;
  rewrite?: HTTPRewrite;
  timeout?: string;
  retries?: HTTPRetry;
  fault?: HTTPFaultInjection;
  mirror?: Destination;
  mirrors?: HTTPMirrorPolicy[];
  /** Deprecated: use mirrorPercentage. */
  mirrorPercent?: number;
  mirrorPercentage?: Percent;
  corsPolicy?: CorsPolicy;
  headers?: Headers;
}

/** Another VirtualService that holds the routes (root/delegate VS). */
export interface Delegate {
  name?: string;
  namespace?: string;
}

/** Conditions of an HTTP rule (all must hold). */
export interface HTTPMatchRequest {
  name?: string;
  uri?: StringMatch;
  scheme?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  headers?: Record<string, StringMatch>;
  port?: number;
  sourceLabels?: Record<string, string>;
  gateways?: string[];
  queryParams?: Record<string, StringMatch>;
  ignoreUriCase?: boolean;
  withoutHeaders?: Record<string, StringMatch>;
  sourceNamespace?: string;
  statPrefix?: string;
}

/** A weighted HTTP destination. */
export interface HTTPRouteDestination {
  destination?: Destination;
  weight?: number;
  headers?: Headers;
}

/** A weighted TCP/TLS destination. */
export interface RouteDestination {
  destination?: Destination;
  weight?: number;
}

/** Conditions of a TCP rule. */
export interface L4MatchAttributes {
  destinationSubnets?: string[];
  port?: number;
  sourceLabels?: Record<string, string>;
  gateways?: string[];
  sourceNamespace?: string;
  sourceSubnet?: string;
}

/** Conditions of a TLS (SNI) rule. */
export interface TLSMatchAttributes {
  sniHosts?: string[];
  destinationSubnets?: string[];
  port?: number;
  sourceLabels?: Record<string, string>;
  gateways?: string[];
  sourceNamespace?: string;
}

/** A rule for unterminated TLS traffic. */
export interface TLSRoute {
  match?: TLSMatchAttributes[];
  route?: RouteDestination[];
}

/** A rule for opaque TCP traffic. */
export interface TCPRoute {
  match?: L4MatchAttributes[];
  route?: RouteDestination[];
}

/** An HTTP redirect response. */
export interface HTTPRedirect {
  uri?: string;
  authority?: string;
  port?: number;
  derivePort?: 'FROM_PROTOCOL_DEFAULT' | 'FROM_REQUEST_PORT';
  scheme?: string;
  redirectCode?: number;
}

/** A fixed response. */
export interface HTTPDirectResponse {
  status?: number;
  body?: { string?: string; bytes?: string };
}

/** Rewrites applied before forwarding. */
export interface HTTPRewrite {
  uri?: string;
  authority?: string;
  uriRegexRewrite?: { match?: string; rewrite?: string };
}

/** Retry policy. */
export interface HTTPRetry {
  attempts?: number;
  perTryTimeout?: string;
  retryOn?: string;
  retryRemoteLocalities?: boolean;
  retryIgnorePreviousHosts?: boolean;
  backoff?: string;
}

/** CORS policy. */
export interface CorsPolicy {
  allowOrigins?: StringMatch[];
  /** Deprecated: use allowOrigins. */
  allowOrigin?: string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: string;
  allowCredentials?: boolean;
  unmatchedPreflights?: 'UNSPECIFIED' | 'FORWARD' | 'IGNORE';
}

/** A percentage (double) in 0..100. */
export interface Percent {
  value?: number;
}

/** Fault injection. */
export interface HTTPFaultInjection {
  delay?: { fixedDelay?: string; exponentialDelay?: string; percentage?: Percent; percent?: number };
  abort?: { httpStatus?: number; grpcStatus?: string; http2Error?: string; percentage?: Percent };
}

/** One mirror target with its own percentage. */
export interface HTTPMirrorPolicy {
  destination?: Destination;
  percentage?: Percent;
}
