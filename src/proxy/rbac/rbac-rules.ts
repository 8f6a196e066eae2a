import { field, isObject, toStr } from '../filters/proto-values.js';
import type { RbacRules } from './rbac-evaluation.js';
import { compileRbacEngine } from './policy-engine.js';

/** Which filter's message is read: the HTTP one has `rules_stat_prefix` and `track_per_rule_stats`. */
export type RbacFilterKind = 'http' | 'network';

/** Parsed rules, or every reason they cannot be run. */
export type RbacRulesResult = { readonly ok: true; readonly rules: RbacRules } | { readonly ok: false; readonly errors: readonly string[] };

const caches: Readonly<Record<RbacFilterKind, WeakMap<object, RbacRulesResult>>> = { http: new WeakMap(), network: new WeakMap() };

/**
 * Compiles the rule part shared by `envoy.extensions.filters.{http,network}.rbac.v3.RBAC`:
 * `rules`, `shadow_rules` and their stat prefixes. The matcher-tree forms (`matcher`,
 * `shadow_matcher`) are refused. Compiled once per config object: the xds-client's validation
 * and the filter built from the same snapshot share the result.
 */
export function compileRbacRules(raw: unknown, kind: RbacFilterKind): RbacRulesResult {
  if (raw === undefined || raw === null) raw = {};
  if (!isObject(raw)) return { ok: false, errors: ['RBAC config must be an object'] };
  const cache = caches[kind];
  const hit = cache.get(raw);
  if (hit) return hit;
  const result = compile(raw, kind);
  cache.set(raw, result);
  return result;
}

function compile(raw: Record<string, unknown>, kind: RbacFilterKind): RbacRulesResult {
  const errors: string[] = [];
  if (field(raw, 'matcher') !== undefined) errors.push('matcher: the matcher-tree form of RBAC is not supported; use rules');
  if (field(raw, 'shadowMatcher') !== undefined) errors.push('shadow_matcher: the matcher-tree form of RBAC is not supported; use shadow_rules');
  if (kind === 'http' && field(raw, 'trackPerRuleStats') === true) errors.push('track_per_rule_stats: per-rule RBAC stats are not supported');
  const rawRules = field(raw, 'rules');
  const rawShadow = field(raw, 'shadowRules');
  const engine = rawRules === undefined ? undefined : compileRbacEngine(rawRules, 'rules', errors);
  const shadow = rawShadow === undefined ? undefined : compileRbacEngine(rawShadow, 'shadow_rules', errors);
  if (errors.length > 0) return { ok: false, errors };
  const rules: RbacRules = {
    ...(engine ? { engine } : {}),
    ...(shadow ? { shadow } : {}),
    rulesStatPrefix: kind === 'http' ? (toStr(field(raw, 'rulesStatPrefix')) ?? '') : '',
    shadowRulesStatPrefix: toStr(field(raw, 'shadowRulesStatPrefix')) ?? '',
  };
  return { ok: true, rules };
}
