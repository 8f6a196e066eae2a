/** Type URL prefix of every packed `Any`. */
export const TYPE_PREFIX = 'type.googleapis.com/';

/** The five xDS resource types Plexus serves and consumes, by their Envoy v3 type URL. */
export const XDS_TYPE = {
  listener: `${TYPE_PREFIX}envoy.config.listener.v3.Listener`,
  route: `${TYPE_PREFIX}envoy.config.route.v3.RouteConfiguration`,
  cluster: `${TYPE_PREFIX}envoy.config.cluster.v3.Cluster`,
  endpoint: `${TYPE_PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`,
  secret: `${TYPE_PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret`,
} as const;

/** One of the five resource type URLs. */
export type XdsTypeUrl = (typeof XDS_TYPE)[keyof typeof XDS_TYPE];

/** Short names as istioctl and Envoy print them (`LDS`, `RDS`…). */
export const SHORT_NAME: Readonly<Record<XdsTypeUrl, string>> = {
  [XDS_TYPE.listener]: 'LDS',
  [XDS_TYPE.route]: 'RDS',
  [XDS_TYPE.cluster]: 'CDS',
  [XDS_TYPE.endpoint]: 'EDS',
  [XDS_TYPE.secret]: 'SDS',
};

/**
 * Make-before-break order (Envoy's xDS docs): clusters and their endpoints before the
 * listeners and routes that send traffic to them, secrets last.
 */
export const XDS_ORDER: readonly XdsTypeUrl[] = [XDS_TYPE.cluster, XDS_TYPE.endpoint, XDS_TYPE.listener, XDS_TYPE.route, XDS_TYPE.secret];

/** Wildcard types: every SotW response carries the whole set, and a missing resource is deleted. */
export function isWildcardType(typeUrl: string): boolean {
  return typeUrl === XDS_TYPE.listener || typeUrl === XDS_TYPE.cluster;
}

/** True for the five type URLs above. */
export function isXdsTypeUrl(typeUrl: string): typeUrl is XdsTypeUrl {
  return Object.prototype.hasOwnProperty.call(SHORT_NAME, typeUrl);
}

/** Type name inside a type URL (`envoy.config.listener.v3.Listener`). */
export function typeNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}
