/** Type URL prefix of every packed `Any`. */
export const TYPE_PREFIX = 'type.googleapis.com/';

/** The xDS resource types Plexus serves, by their Envoy v3 type URL. */
export const TYPE_URL = {
  listener: `${TYPE_PREFIX}envoy.config.listener.v3.Listener`,
  route: `${TYPE_PREFIX}envoy.config.route.v3.RouteConfiguration`,
  cluster: `${TYPE_PREFIX}envoy.config.cluster.v3.Cluster`,
  endpoint: `${TYPE_PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`,
  secret: `${TYPE_PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret`,
} as const;

/** Short names as istioctl prints them (`LDS`, `RDS`…), for logs and status. */
export const SHORT_TYPE: Readonly<Record<string, string>> = {
  [TYPE_URL.listener]: 'LDS',
  [TYPE_URL.route]: 'RDS',
  [TYPE_URL.cluster]: 'CDS',
  [TYPE_URL.endpoint]: 'EDS',
  [TYPE_URL.secret]: 'SDS',
};

/**
 * Order in which a push sends types: clusters before the endpoints and listeners that
 * refer to them, routes last (make-before-break, as Envoy's xDS docs recommend).
 */
export const PUSH_ORDER: readonly string[] = [TYPE_URL.cluster, TYPE_URL.endpoint, TYPE_URL.listener, TYPE_URL.route, TYPE_URL.secret];

/** Types whose SotW responses must carry every resource (a missing one counts as deleted). */
export const STATE_OF_THE_WORLD_FULL: ReadonlySet<string> = new Set([TYPE_URL.listener, TYPE_URL.cluster]);

/** Type name inside a type URL (`envoy.config.listener.v3.Listener`). */
export function typeNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}
