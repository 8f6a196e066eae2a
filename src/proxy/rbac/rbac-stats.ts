import type { CounterSeries } from '../../telemetry/counter-family.js';
import type { EnvoyNamedCounters } from '../../telemetry/envoy-named-counters.js';

/** The counters of one RBAC filter, under Envoy's names. */
export interface RbacCounters {
  readonly allowed: CounterSeries;
  readonly denied: CounterSeries;
  readonly shadowAllowed: CounterSeries;
  readonly shadowDenied: CounterSeries;
  /** LOG action: requests a policy matched (should be logged), and the rest. */
  readonly logged: CounterSeries;
  readonly notLogged: CounterSeries;
}

/**
 * Envoy's RBAC stats: `<scope>rbac.<rules_stat_prefix>{allowed,denied,logged,not_logged}` and
 * `<scope>rbac.<shadow_rules_stat_prefix>shadow_{allowed,denied}`. The scope is
 * `http.<hcm stat_prefix>.` for the HTTP filter and the filter's own `stat_prefix` for the
 * network filter (joined with a dot unless it ends with one, as Envoy's statPrefixJoin).
 */
export function rbacCounters(stats: EnvoyNamedCounters, scope: string, rulesStatPrefix: string, shadowRulesStatPrefix: string): RbacCounters {
  const base = scope === '' || scope.endsWith('.') ? `${scope}rbac.` : `${scope}.rbac.`;
  const enforced = `${base}${rulesStatPrefix}`;
  const shadow = `${base}${shadowRulesStatPrefix}`;
  return {
    allowed: stats.counter(`${enforced}allowed`),
    denied: stats.counter(`${enforced}denied`),
    logged: stats.counter(`${enforced}logged`),
    notLogged: stats.counter(`${enforced}not_logged`),
    shadowAllowed: stats.counter(`${shadow}shadow_allowed`),
    shadowDenied: stats.counter(`${shadow}shadow_denied`),
  };
}
