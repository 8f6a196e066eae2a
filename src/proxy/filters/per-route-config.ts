import { field, isObject, toBool, unwrapAny } from './proto-values.js';

const FILTER_CONFIG_TYPE = 'envoy.config.route.v3.FilterConfig';

/** A per-route filter config after unwrapping Envoy's optional `FilterConfig` envelope. */
export interface PerRouteEntry {
  readonly disabled: boolean;
  readonly config: unknown;
}

/**
 * Reads a `typed_per_filter_config` value: either the filter's own per-route message, or a
 * `FilterConfig` wrapper that can disable the filter for the route.
 */
export function readPerRouteEntry(raw: unknown): PerRouteEntry | undefined {
  if (raw === undefined || raw === null) return undefined;
  const type = isObject(raw) ? raw['@type'] : undefined;
  if (typeof type === 'string' && type.endsWith(FILTER_CONFIG_TYPE)) {
    return { disabled: toBool(field(raw, 'disabled')) === true, config: unwrapAny(field(raw, 'config')) };
  }
  return { disabled: false, config: raw };
}

/**
 * Parses per-route configs once per config object: routes live as long as their snapshot, so
 * a WeakMap keyed by the raw object builds each at most once and frees it with the snapshot.
 */
export function perRouteCache<C>(parse: (raw: unknown) => C | undefined): (raw: unknown) => C | undefined {
  const cache = new WeakMap<object, { value: C | undefined }>();
  return (raw) => {
    if (!isObject(raw)) return parse(raw);
    let hit = cache.get(raw);
    if (!hit) {
      hit = { value: parse(raw) };
      cache.set(raw, hit);
    }
    return hit.value;
  };
}
