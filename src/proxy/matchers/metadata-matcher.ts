import { PlexusError } from '../../api/errors.js';
import { field, isObject, toNumber, toStr } from '../filters/proto-values.js';
import { compileRawStringMatcher } from './string-matcher.js';

/** Dynamic metadata as filters see it: namespace (filter name) → key → JSON value. */
export type DynamicMetadata = Record<string, Record<string, unknown>>;

/** A compiled `type.matcher.v3.MetadataMatcher`: true when the metadata matches. */
export type MetadataPredicate = (metadata: DynamicMetadata | undefined) => boolean;

/** A compiled `type.matcher.v3.ValueMatcher`; `undefined` is an absent value. */
type ValuePredicate = (value: unknown) => boolean;

/**
 * Compiles Envoy's `type.matcher.v3.MetadataMatcher` once: `filter` names the namespace,
 * `path` walks struct keys, `value` matches what is found there, `invert` flips the result.
 * Throws PLEXUS_ERR_INVALID_CONFIG naming every bad field under `at`.
 */
export function compileMetadataMatcher(raw: unknown, at = 'metadata'): MetadataPredicate {
  const errors: string[] = [];
  const predicate = compileMetadataMatcherInto(raw, at, errors);
  if (!predicate || errors.length > 0) throw new PlexusError('PLEXUS_ERR_INVALID_CONFIG', `invalid MetadataMatcher: ${errors.join('; ')}`);
  return predicate;
}

/** Like compileMetadataMatcher, collecting problems in `errors` instead of throwing. */
export function compileMetadataMatcherInto(raw: unknown, at: string, errors: string[]): MetadataPredicate | undefined {
  if (!isObject(raw)) {
    errors.push(`${at}: a MetadataMatcher is required`);
    return undefined;
  }
  const before = errors.length;
  const filter = toStr(field(raw, 'filter'));
  if (!filter) errors.push(`${at}.filter: is required`);
  const rawPath = field(raw, 'path');
  const keys: string[] = [];
  if (!Array.isArray(rawPath) || rawPath.length === 0) errors.push(`${at}.path: at least one segment is required`);
  else
    rawPath.forEach((seg, i) => {
      const key = toStr(field(seg, 'key'));
      if (!key) errors.push(`${at}.path[${i}].key: is required`);
      else keys.push(key);
    });
  const value = compileValueMatcher(field(raw, 'value'), `${at}.value`, errors);
  const invert = field(raw, 'invert') === true;
  if (errors.length > before || !filter || !value) return undefined;
  return (metadata) => {
    const found = lookup(metadata?.[filter], keys);
    return value(found) !== invert;
  };
}

/** Walks struct keys; anything that is not an object on the way means "no value". */
function lookup(ns: Record<string, unknown> | undefined, keys: readonly string[]): unknown {
  let cur: unknown = ns;
  for (const key of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/**
 * `type.matcher.v3.ValueMatcher`. As in Envoy, a struct value never matches (except
 * present_match), list values are only seen by list_match, and absent values match nothing
 * but an inverted outer matcher.
 */
export function compileValueMatcher(raw: unknown, at: string, errors: string[]): ValuePredicate | undefined {
  if (!isObject(raw)) {
    errors.push(`${at}: a ValueMatcher is required`);
    return undefined;
  }
  if (field(raw, 'nullMatch') !== undefined) return (v) => v === null;
  const dbl = field(raw, 'doubleMatch');
  if (dbl !== undefined) return compileDoubleMatcher(dbl, `${at}.double_match`, errors);
  const str = field(raw, 'stringMatch');
  if (str !== undefined) {
    const match = compileRawStringMatcher(str, `${at}.string_match`, errors);
    return match && ((v) => typeof v === 'string' && match(v));
  }
  const bool = field(raw, 'boolMatch');
  if (typeof bool === 'boolean') return (v) => v === bool;
  const present = field(raw, 'presentMatch');
  // present_match: false never matches in Envoy; the outer invert expresses absence.
  if (typeof present === 'boolean') return present ? (v) => v !== undefined : () => false;
  const listMatch = field(raw, 'listMatch');
  if (listMatch !== undefined) {
    const oneOf = compileValueMatcher(field(listMatch, 'oneOf'), `${at}.list_match.one_of`, errors);
    return oneOf && ((v) => Array.isArray(v) && v.some((item) => oneOf(item)));
  }
  const orMatch = field(raw, 'orMatch');
  if (orMatch !== undefined) {
    const items = field(orMatch, 'valueMatchers');
    if (!Array.isArray(items) || items.length < 2) {
      errors.push(`${at}.or_match.value_matchers: at least two matchers are required`);
      return undefined;
    }
    const alternatives = items.map((m, i) => compileValueMatcher(m, `${at}.or_match.value_matchers[${i}]`, errors));
    if (alternatives.some((a) => a === undefined)) return undefined;
    const all = alternatives as ValuePredicate[];
    return (v) => all.some((a) => a(v));
  }
  errors.push(`${at}: one of null_match, double_match, string_match, bool_match, present_match, list_match, or_match is required`);
  return undefined;
}

/** `type.matcher.v3.DoubleMatcher`: exact, or a range with start inclusive and end exclusive. */
function compileDoubleMatcher(raw: unknown, at: string, errors: string[]): ValuePredicate | undefined {
  const exact = toNumber(field(raw, 'exact'));
  if (exact !== undefined) return (v) => typeof v === 'number' && v === exact;
  const range = field(raw, 'range');
  if (isObject(range)) {
    const start = toNumber(field(range, 'start')) ?? 0;
    const end = toNumber(field(range, 'end')) ?? 0;
    if (start > end) {
      errors.push(`${at}.range: start ${start} is after end ${end}`);
      return undefined;
    }
    return (v) => typeof v === 'number' && v >= start && v < end;
  }
  errors.push(`${at}: one of exact, range is required`);
  return undefined;
}
