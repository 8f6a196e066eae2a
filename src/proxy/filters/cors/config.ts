import type { StringMatch } from '../../config/model.js';
import type { ConfigParseResult } from '../filter-api.js';
import { field, fraction, isObject, toBool, toStr } from '../proto-values.js';

/** Type URL of the CORS filter, and of its per-route policy. */
export const CORS_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';
export const CORS_POLICY_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';

/** `envoy.extensions.filters.http.cors.v3.CorsPolicy` (per route or virtual host). */
export interface CorsPolicy {
  readonly allowOrigins: readonly StringMatch[];
  readonly allowMethods?: string;
  readonly allowHeaders?: string;
  readonly exposeHeaders?: string;
  readonly maxAge?: string;
  readonly allowCredentials: boolean;
  readonly allowPrivateNetworkAccess: boolean;
  /** Share of requests the policy is enforced on (filter_enabled); 1 by default. */
  readonly enabledFraction: number;
  /** Preflights whose origin does not match go upstream instead of being answered (Envoy's default). */
  readonly forwardNotMatchingPreflights: boolean;
}

function stringMatch(m: unknown): StringMatch | undefined {
  if (!isObject(m)) return undefined;
  const ignoreCase = toBool(field(m, 'ignoreCase')) === true;
  for (const kind of ['exact', 'prefix', 'suffix', 'contains'] as const) {
    const v = toStr(field(m, kind));
    if (v !== undefined) return { kind, value: v, ignoreCase };
  }
  const regex = toStr(field(field(m, 'safeRegex'), 'regex'));
  return regex !== undefined ? { kind: 'regex', value: regex } : undefined;
}

/** Parses a CorsPolicy; returns every reason it is invalid. */
export function parseCorsPolicy(raw: unknown): ConfigParseResult<CorsPolicy> {
  if (!isObject(raw)) return { ok: false, errors: ['cors policy must be an object'] };
  const errors: string[] = [];
  const origins: StringMatch[] = [];
  const list = field(raw, 'allowOriginStringMatch');
  if (Array.isArray(list)) {
    list.forEach((m, i) => {
      const parsed = stringMatch(m);
      if (parsed) origins.push(parsed);
      else errors.push(`allow_origin_string_match[${i}] is not a string matcher`);
    });
  }
  const enabled = field(raw, 'filterEnabled');
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      allowOrigins: origins,
      allowMethods: toStr(field(raw, 'allowMethods')),
      allowHeaders: toStr(field(raw, 'allowHeaders')),
      exposeHeaders: toStr(field(raw, 'exposeHeaders')),
      maxAge: toStr(field(raw, 'maxAge')),
      allowCredentials: toBool(field(raw, 'allowCredentials')) === true,
      allowPrivateNetworkAccess: toBool(field(raw, 'allowPrivateNetworkAccess')) === true,
      enabledFraction: enabled === undefined ? 1 : fraction(field(enabled, 'defaultValue'), 1),
      forwardNotMatchingPreflights: toBool(field(raw, 'forwardNotMatchingPreflights')) !== false,
    },
  };
}

/** The filter-level Cors message has no fields Plexus uses; anything object-shaped is accepted. */
export function parseCorsFilterConfig(raw: unknown): ConfigParseResult<Record<string, never>> {
  if (raw !== undefined && raw !== null && !isObject(raw)) return { ok: false, errors: ['cors config must be an object'] };
  return { ok: true, config: {} };
}
