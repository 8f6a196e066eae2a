import type { CounterSeries } from '../../../telemetry/counter-family.js';
import type { EnvoyNamedCounters } from '../../../telemetry/envoy-named-counters.js';

/** Envoy's ext_authz counters for one scope. */
export interface ExtAuthzCounters {
  /** The server allowed the request. */
  readonly ok: CounterSeries;
  /** The server denied it. */
  readonly denied: CounterSeries;
  /** No decision: unreachable, timeout, 5xx, gRPC error. */
  readonly error: CounterSeries;
  /** Errors let through by failure_mode_allow. */
  readonly failure_mode_allowed: CounterSeries;
  /** Requests not checked (filter_enabled / filter_enabled_metadata said no). */
  readonly disabled: CounterSeries;
}

/**
 * Envoy's ext_authz stats under `<scope>ext_authz.[<stat_prefix>.]{ok,denied,error,
 * failure_mode_allowed,disabled}`. The HTTP filter counts in two scopes as Envoy does: the
 * connection manager's (`http.<stat_prefix>.`) and the route target cluster's
 * (`cluster.<name>.`), e.g. `envoy_cluster_inbound_8000___ext_authz_denied`-style Prometheus names.
 */
export function extAuthzCounters(stats: EnvoyNamedCounters, scope: string, statPrefix: string): ExtAuthzCounters {
  const base = `${scope}ext_authz.${statPrefix ? `${statPrefix}.` : ''}`;
  return {
    ok: stats.counter(`${base}ok`),
    denied: stats.counter(`${base}denied`),
    error: stats.counter(`${base}error`),
    failure_mode_allowed: stats.counter(`${base}failure_mode_allowed`),
    disabled: stats.counter(`${base}disabled`),
  };
}
