import { PlexusError } from '../../api/errors.js';
import type { HttpFilterConfig } from '../config/model.js';
import { CORS_POLICY_TYPE_URL, CORS_TYPE_URL, parseCorsFilterConfig, parseCorsPolicy } from './cors/config.js';
import { createCorsFilter } from './cors/filter.js';
import { EXT_AUTHZ_PER_ROUTE_TYPE_URL, EXT_AUTHZ_TYPE_URL, parseExtAuthzConfig, parseExtAuthzPerRoute, type ExtAuthzConfig } from './ext-authz/config.js';
import { createExtAuthzFilter } from './ext-authz/filter.js';
import { FAULT_TYPE_URL, parseFaultConfig, type FaultConfig } from './fault/config.js';
import { createFaultFilter } from './fault/filter.js';
import type { ConfigParseResult, FilterDeps, HttpFilter, HttpFilterDefinition } from './filter-api.js';
import { parseRbacConfig, parseRbacPerRouteConfig, RBAC_PER_ROUTE_TYPE_URL, RBAC_TYPE_URL } from './rbac/config.js';
import { createRbacFilter } from './rbac/filter.js';
import type { RbacRules } from '../rbac/rbac-evaluation.js';
import { JWT_AUTHN_PER_ROUTE_TYPE_URL, JWT_AUTHN_TYPE_URL, parseJwtAuthnConfig, parseJwtAuthnPerRoute, type JwtAuthnConfig } from './jwt-authn/config.js';
import { createJwtAuthnFilter } from './jwt-authn/filter.js';
import { parseRouterConfig, ROUTER_TYPE_URL, type RouterFilterConfig } from './router/config.js';
import { createRouterFilter } from './router/filter.js';

/** Helps TypeScript keep each definition's config type while storing them in one list. */
function define<C>(def: HttpFilterDefinition<C>): HttpFilterDefinition {
  return def as unknown as HttpFilterDefinition;
}

/**
 * Every HTTP filter the proxy implements, by type URL. Adding one (rbac, jwt, stats) is a
 * folder with config.ts and filter.ts plus one entry here.
 */
export const HTTP_FILTERS: readonly HttpFilterDefinition[] = [
  define<FaultConfig>({
    wellKnownName: 'envoy.filters.http.fault',
    typeUrls: [FAULT_TYPE_URL],
    terminal: false,
    parseConfig: parseFaultConfig,
    perRouteTypeUrls: [FAULT_TYPE_URL],
    parsePerRouteConfig: parseFaultConfig,
    create: (config, name) => createFaultFilter(config, name),
  }),
  define<JwtAuthnConfig>({
    wellKnownName: 'envoy.filters.http.jwt_authn',
    typeUrls: [JWT_AUTHN_TYPE_URL],
    terminal: false,
    parseConfig: parseJwtAuthnConfig,
    perRouteTypeUrls: [JWT_AUTHN_PER_ROUTE_TYPE_URL],
    parsePerRouteConfig: parseJwtAuthnPerRoute,
    create: (config, name, deps) => createJwtAuthnFilter(config, name, deps),
  }),
  define<Record<string, never>>({
    wellKnownName: 'envoy.filters.http.cors',
    typeUrls: [CORS_TYPE_URL],
    terminal: false,
    parseConfig: parseCorsFilterConfig,
    perRouteTypeUrls: [CORS_POLICY_TYPE_URL],
    parsePerRouteConfig: parseCorsPolicy,
    create: (_config, name) => createCorsFilter(name),
  }),
  define<RbacRules>({
    wellKnownName: 'envoy.filters.http.rbac',
    typeUrls: [RBAC_TYPE_URL],
    terminal: false,
    parseConfig: parseRbacConfig,
    perRouteTypeUrls: [RBAC_PER_ROUTE_TYPE_URL],
    parsePerRouteConfig: parseRbacPerRouteConfig,
    create: (config, name, deps) => createRbacFilter(config, name, deps),
  }),
  define<ExtAuthzConfig>({
    wellKnownName: 'envoy.filters.http.ext_authz',
    typeUrls: [EXT_AUTHZ_TYPE_URL],
    terminal: false,
    parseConfig: parseExtAuthzConfig,
    perRouteTypeUrls: [EXT_AUTHZ_PER_ROUTE_TYPE_URL],
    parsePerRouteConfig: parseExtAuthzPerRoute,
    create: (config, name, deps) => createExtAuthzFilter(config, name, deps),
  }),
  define<RouterFilterConfig>({
    wellKnownName: 'envoy.filters.http.router',
    typeUrls: [ROUTER_TYPE_URL],
    terminal: true,
    parseConfig: parseRouterConfig,
    create: (config, name, deps) => createRouterFilter(config, name, deps),
  }),
];

/** The definition registered for a type URL. */
export function findHttpFilter(typeUrl: string, registry: readonly HttpFilterDefinition[] = HTTP_FILTERS): HttpFilterDefinition | undefined {
  return registry.find((d) => d.typeUrls.includes(typeUrl));
}

/** The definition whose per-route config has this type URL. */
export function findPerRouteFilter(typeUrl: string, registry: readonly HttpFilterDefinition[] = HTTP_FILTERS): HttpFilterDefinition | undefined {
  return registry.find((d) => d.perRouteTypeUrls?.includes(typeUrl) === true && d.parsePerRouteConfig !== undefined);
}

/**
 * Parses one `typed_per_filter_config` value (wrapper already removed) with the filter that owns
 * its type URL; undefined when no registered filter takes that type.
 */
export function parsePerRouteFilterConfig(typeUrl: string, raw: unknown, registry: readonly HttpFilterDefinition[] = HTTP_FILTERS): ConfigParseResult<unknown> | undefined {
  const def = findPerRouteFilter(typeUrl, registry);
  return def?.parsePerRouteConfig?.(raw);
}

/**
 * Every reason a filter list cannot be served: unknown types, invalid configs, and a
 * terminal filter missing or not last. The xds-client NACKs with these.
 */
export function validateHttpFilters(configs: readonly HttpFilterConfig[], registry: readonly HttpFilterDefinition[] = HTTP_FILTERS): string[] {
  const errors: string[] = [];
  configs.forEach((cfg, i) => {
    const def = findHttpFilter(cfg.typeUrl, registry);
    if (!def) {
      errors.push(`http_filters[${i}] (${cfg.name}): unknown filter type ${cfg.typeUrl}`);
      return;
    }
    const parsed = def.parseConfig(cfg.config);
    if (!parsed.ok) for (const e of parsed.errors) errors.push(`http_filters[${i}] (${cfg.name}): ${e}`);
    if (def.terminal && i !== configs.length - 1) errors.push(`http_filters[${i}] (${cfg.name}): terminal filter must be last`);
    if (!def.terminal && i === configs.length - 1) errors.push(`http_filters[${i}] (${cfg.name}): the last filter must be terminal (the router)`);
  });
  if (configs.length === 0) errors.push('http_filters: at least the router filter is required');
  return errors;
}

/** Builds the filter chain of a connection manager; throws PLEXUS_ERR_INVALID_CONFIG with every reason. */
export function buildHttpFilters(configs: readonly HttpFilterConfig[], deps: FilterDeps, registry: readonly HttpFilterDefinition[] = HTTP_FILTERS): HttpFilter[] {
  const errors = validateHttpFilters(configs, registry);
  if (errors.length > 0) throw new PlexusError('PLEXUS_ERR_INVALID_CONFIG', `invalid HTTP filter chain: ${errors.join('; ')}`);
  return configs.map((cfg) => {
    const def = findHttpFilter(cfg.typeUrl, registry)!;
    const parsed = def.parseConfig(cfg.config);
    if (!parsed.ok) throw new PlexusError('PLEXUS_ERR_INTERNAL', 'filter config parsed twice with different results');
    return def.create(parsed.config, cfg.name, deps);
  });
}
