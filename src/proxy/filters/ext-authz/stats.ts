import type { MetricFamily, MetricSample } from '../../../telemetry/prometheus-text.js';

/** Envoy's ext_authz counters for one scope. */
export interface ExtAuthzCounters {
  ok: number;
  denied: number;
  error: number;
  failure_mode_allowed: number;
  disabled: number;
}

const NAMES = ['ok', 'denied', 'error', 'failure_mode_allowed', 'disabled'] as const;
/** What each counter counts (the HELP text). */
const HELP: Readonly<Record<(typeof NAMES)[number], string>> = {
  ok: 'Requests the authorization server allowed.',
  denied: 'Requests the authorization server denied.',
  error: 'Checks that failed (unreachable server, timeout, 5xx, gRPC error).',
  failure_mode_allowed: 'Failed checks let through by failure_mode_allow.',
  disabled: 'Requests the filter did not check (disabled by filter_enabled or metadata).',
};

interface Scope {
  readonly kind: 'cluster' | 'http';
  readonly name: string;
  readonly prefix: string;
  readonly counters: ExtAuthzCounters;
}

/**
 * The ext_authz statistics of this process, as Envoy names them: per route target cluster
 * (`cluster.<cluster>.ext_authz[.<stat_prefix>].ok` →
 * `envoy_cluster_ext_authz_ok{cluster_name=…}`) and per connection manager
 * (`http.<stat_prefix>.ext_authz.ok` → `envoy_http_ext_authz_ok{http_conn_manager_prefix=…}`).
 * A MetricSource: add it to the proxy's stats next to the other filter stats.
 */
export class ExtAuthzStats {
  private readonly scopes = new Map<string, Scope>();

  /** The counters of one scope, created on first use (filters keep the object). */
  counters(kind: Scope['kind'], name: string, prefix: string): ExtAuthzCounters {
    const key = `${kind}\u0000${name}\u0000${prefix}`;
    let scope = this.scopes.get(key);
    if (scope === undefined) {
      scope = { kind, name, prefix, counters: { ok: 0, denied: 0, error: 0, failure_mode_allowed: 0, disabled: 0 } };
      this.scopes.set(key, scope);
    }
    return scope.counters;
  }

  /** Envoy's dotted stat names and values (the admin `/stats` text form). */
  entries(): [string, number][] {
    const out: [string, number][] = [];
    for (const s of this.scopes.values()) {
      const base = `${s.kind}.${s.name}.ext_authz.${s.prefix ? `${s.prefix}.` : ''}`;
      for (const n of NAMES) out.push([base + n, s.counters[n]]);
    }
    return out;
  }

  collect(): MetricFamily[] {
    const families = new Map<string, MetricFamily>();
    for (const s of this.scopes.values()) {
      const label = s.kind === 'cluster' ? 'cluster_name' : 'http_conn_manager_prefix';
      const infix = s.prefix ? `${s.prefix.replace(/[^a-zA-Z0-9_]/g, '_')}_` : '';
      for (const n of NAMES) {
        const name = `envoy_${s.kind}_ext_authz_${infix}${n}`;
        let family = families.get(name);
        if (!family) {
          family = { name, help: HELP[n], type: 'counter', samples: [] };
          families.set(name, family);
        }
        const sample: MetricSample = { labels: { [label]: s.name }, value: s.counters[n] };
        family.samples.push(sample);
      }
    }
    return [...families.values()];
  }
}

/** The process's ext_authz statistics (one proxy per process, as Envoy's stats store). */
export const extAuthzStats = new ExtAuthzStats();
