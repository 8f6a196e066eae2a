import type { RbacRules } from '../../rbac/rbac-evaluation.js';
import { compileRbacRules } from '../../rbac/rbac-rules.js';
import type { ConfigParseResult } from '../filter-api.js';
import { field, isObject } from '../proto-values.js';

/** Type URL of the HTTP RBAC filter. */
export const RBAC_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
/** Type URL of its per-route override. */
export const RBAC_PER_ROUTE_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute';

/** `envoy.extensions.filters.http.rbac.v3.RBAC`, compiled. */
export function parseRbacConfig(raw: unknown): ConfigParseResult<RbacRules> {
  const r = compileRbacRules(raw, 'http');
  return r.ok ? { ok: true, config: r.rules } : { ok: false, errors: r.errors };
}

/**
 * `RBACPerRoute`: `rbac` replaces the filter's rules on the route or virtual host; without it
 * the filter is off there (Envoy: "If absent, the global RBAC policy will be disabled").
 * `null` stands for "off".
 */
export function parseRbacPerRouteConfig(raw: unknown): ConfigParseResult<RbacRules | null> {
  if (raw !== undefined && raw !== null && !isObject(raw)) return { ok: false, errors: ['RBACPerRoute must be an object'] };
  const rbac = field(raw, 'rbac');
  if (rbac === undefined || rbac === null) return { ok: true, config: null };
  const r = compileRbacRules(rbac, 'http');
  return r.ok ? { ok: true, config: r.rules } : { ok: false, errors: r.errors.map((e) => `rbac.${e}`) };
}
