import type { ProtoObject } from '../../protos.js';

// Envoy matcher messages built from Istio's value syntax: a value is exact, `abc*` (prefix),
// `*abc` (suffix) or `*` (any non-empty value), as istiod's authz matcher package reads it.

/** `type.matcher.v3.StringMatcher` with a safe (RE2) regex. */
export function regexMatcher(regex: string): ProtoObject {
  return { safe_regex: { regex } };
}

/** Go's regexp.QuoteMeta: RE2's special characters escaped. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/**
 * Istio's StringMatcherWithPrefix: `*` → regex `.+` (any non-empty value, with or without the
 * prefix), `*abc` → suffix (a regex `prefix.*abc` when a prefix is required), `abc*` → prefix,
 * else exact; `prefix` is prepended (principals: `spiffe://`).
 */
export function stringMatcher(value: string, prefix = ''): ProtoObject {
  if (value === '*') return regexMatcher('.+');
  if (value.startsWith('*')) {
    const rest = value.slice(1);
    return prefix === '' ? { suffix: rest } : regexMatcher(`${quoteMeta(prefix)}.*${quoteMeta(rest)}`);
  }
  if (value.endsWith('*')) return { prefix: prefix + value.slice(0, -1) };
  return { exact: prefix + value };
}

/** A string matcher that matches exactly this literal. */
export function exactMatcher(value: string): ProtoObject {
  return { exact: value };
}

/** `config.route.v3.HeaderMatcher` from Istio's value syntax (`*` → present_match). */
export function headerMatcher(name: string, value: string, ignoreCase = false): ProtoObject {
  if (value === '*') return { name, present_match: true };
  const ic = ignoreCase ? { ignore_case: true } : {};
  if (value.startsWith('*')) return { name, string_match: { suffix: value.slice(1), ...ic } };
  if (value.endsWith('*')) return { name, string_match: { prefix: value.slice(0, -1), ...ic } };
  return { name, string_match: { exact: value, ...ic } };
}

/** `:authority` as Istio matches operation hosts: case-insensitively. */
export function hostMatcher(value: string): ProtoObject {
  return headerMatcher(':authority', value, true);
}

// Envoy's uri_template: `*` is one path segment of pchars, `**` any number of segments.
const SEGMENT_CHARS = "a-zA-Z0-9\\-._~%!$&'()+,;:@=";
const ONE_SEGMENT = `[${SEGMENT_CHARS}]+`;
const ANY_SEGMENTS = `[${SEGMENT_CHARS}/]*`;

/** True when a path uses Istio's `{*}` / `{**}` templates. */
export function isPathTemplate(path: string): boolean {
  return path.includes('{*}') || path.includes('{**}');
}

/**
 * A path template (`/api/{*}/items/{**}`) as the RE2 regex Envoy's uri_template matcher
 * compiles it to: `{*}` one segment, `{**}` zero or more segments, everything else literal.
 * Sent as a url_path regex so the proxy needs no path-template extension.
 */
export function pathTemplateRegex(path: string): string {
  return path.split('/').map((seg) => {
    if (seg === '{*}') return ONE_SEGMENT;
    if (seg === '{**}') return ANY_SEGMENTS;
    return quoteMeta(seg);
  }).join('/');
}

/** `type.matcher.v3.PathMatcher` for an operation path (exact, prefix, suffix, `*` or a template). */
export function pathMatcher(path: string): ProtoObject {
  if (isPathTemplate(path)) return { path: regexMatcher(pathTemplateRegex(path)) };
  return { path: stringMatcher(path) };
}

/** `config.core.v3.CidrRange` from an IP or CIDR (validated upstream); the address is kept as written. */
export function cidrRange(value: string): ProtoObject | undefined {
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  if (address === '') return undefined;
  const max = address.includes(':') ? 128 : 32;
  const bits = slash < 0 ? max : Number(value.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > max) return undefined;
  return { address_prefix: address, prefix_len: { value: bits } };
}

/** A ValueMatcher matching a string by one of `values` (or_match needs two or more). */
export function stringValueMatcher(values: readonly string[]): ProtoObject {
  const each = values.map((v) => ({ string_match: stringMatcher(v) }));
  return each.length === 1 ? each[0]! : { or_match: { value_matchers: each } };
}

/**
 * A JWT claim's ValueMatcher: the claim may be a string or a list of strings in the payload,
 * so either the list holds a matching item or the value itself matches (istiod's form).
 */
export function claimValueMatcher(values: readonly string[]): ProtoObject {
  const inner = stringValueMatcher(values);
  return { or_match: { value_matchers: [{ list_match: { one_of: inner } }, inner] } };
}

/** A MetadataMatcher on a filter's dynamic metadata. */
export function metadataMatcher(filter: string, path: readonly string[], value: ProtoObject): ProtoObject {
  return { filter, path: path.map((key) => ({ key })), value };
}
