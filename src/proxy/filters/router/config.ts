import type { ConfigParseResult } from '../filter-api.js';
import { field, isObject, toBool } from '../proto-values.js';

/** `envoy.extensions.filters.http.router.v3.Router`, the parts Plexus implements. */
export interface RouterFilterConfig {
  /** Do not add `x-envoy-*` headers to requests and responses. */
  readonly suppressEnvoyHeaders: boolean;
}

/** Type URL of the router filter. */
export const ROUTER_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** Parses the router's config; every field is optional. */
export function parseRouterConfig(raw: unknown): ConfigParseResult<RouterFilterConfig> {
  if (raw !== undefined && raw !== null && !isObject(raw)) return { ok: false, errors: ['router config must be an object'] };
  return { ok: true, config: { suppressEnvoyHeaders: toBool(field(raw, 'suppressEnvoyHeaders')) === true } };
}
