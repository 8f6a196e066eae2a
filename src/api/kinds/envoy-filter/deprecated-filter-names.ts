// Old Envoy filter names that still resolve but have canonical replacements.
const RENAMED: Readonly<Record<string, string>> = {
  'envoy.http_connection_manager': 'envoy.filters.network.http_connection_manager',
  'envoy.tcp_proxy': 'envoy.filters.network.tcp_proxy',
  'envoy.mongo_proxy': 'envoy.filters.network.mongo_proxy',
  'envoy.redis_proxy': 'envoy.filters.network.redis_proxy',
  'envoy.router': 'envoy.filters.http.router',
  'envoy.cors': 'envoy.filters.http.cors',
  'envoy.fault': 'envoy.filters.http.fault',
  'envoy.lua': 'envoy.filters.http.lua',
  'envoy.grpc_web': 'envoy.filters.http.grpc_web',
  'envoy.health_check': 'envoy.filters.http.health_check',
  'envoy.rate_limit': 'envoy.filters.http.ratelimit',
  'envoy.listener.tls_inspector': 'envoy.filters.listener.tls_inspector',
  'envoy.listener.original_dst': 'envoy.filters.listener.original_dst',
  'envoy.listener.http_inspector': 'envoy.filters.listener.http_inspector',
};

/** The canonical name for a deprecated filter name, or undefined when the name is current. */
export function canonicalFilterName(name: string): string | undefined {
  return RENAMED[name];
}

/** Name of the HTTP connection manager network filter (old and new spelling). */
export const HTTP_CONNECTION_MANAGER_NAMES: readonly string[] = ['envoy.filters.network.http_connection_manager', 'envoy.http_connection_manager'];
