import { RE2JS } from 're2js';
import type { HeaderMatcher, QueryParameterMatcher, StringMatch } from '../config/model.js';
import type { FieldPath } from './invalid-resource.js';
import type { ProtoJson } from './proto-root.js';
import { obj, str } from './proto-values.js';

/**
 * Checks that a regex compiles under RE2 semantics (what Envoy's `safe_regex` uses), so a
 * pattern the data plane would choke on is NACKed instead of failing per request.
 */
export function checkRegex(pattern: unknown, at: FieldPath): string {
  if (typeof pattern !== 'string' || pattern === '') at.fail('regex is required');
  try {
    RE2JS.compile(pattern);
  } catch (err) {
    at.fail(`invalid regex ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
  return pattern;
}

/** `type.matcher.v3.StringMatcher` → model. */
export function translateStringMatcher(m: ProtoJson, at: FieldPath): StringMatch {
  const ignoreCase = m.ignore_case === true ? { ignoreCase: true } : {};
  if (typeof m.exact === 'string') return { kind: 'exact', value: m.exact, ...ignoreCase };
  if (typeof m.prefix === 'string') return { kind: 'prefix', value: checkNonEmpty(m.prefix, at.at('prefix')), ...ignoreCase };
  if (typeof m.suffix === 'string') return { kind: 'suffix', value: checkNonEmpty(m.suffix, at.at('suffix')), ...ignoreCase };
  if (typeof m.contains === 'string') return { kind: 'contains', value: checkNonEmpty(m.contains, at.at('contains')), ...ignoreCase };
  const regex = obj(m.safe_regex);
  if (regex) return { kind: 'regex', value: checkRegex(regex.regex, at.at('safe_regex').at('regex')) };
  if (m.custom !== undefined) at.at('custom').fail('custom string matchers are not supported');
  return at.fail('one of exact, prefix, suffix, contains, safe_regex is required');
}

function checkNonEmpty(value: string, at: FieldPath): string {
  if (value === '') at.fail('must not be empty');
  return value;
}

/** `config.route.v3.HeaderMatcher` → model (deprecated direct fields included). */
export function translateHeaderMatcher(h: ProtoJson, at: FieldPath): HeaderMatcher {
  const name = str(h.name) ?? at.at('name').fail('header name is required');
  const invert = h.invert_match === true;
  const base = h.treat_missing_header_as_empty === true ? { name, invert, treatMissingAsEmpty: true } : { name, invert };
  if (typeof h.exact_match === 'string') return { ...base, match: { kind: 'exact', value: h.exact_match } };
  if (typeof h.prefix_match === 'string') return { ...base, match: { kind: 'prefix', value: h.prefix_match } };
  if (typeof h.suffix_match === 'string') return { ...base, match: { kind: 'suffix', value: h.suffix_match } };
  if (typeof h.contains_match === 'string') return { ...base, match: { kind: 'contains', value: h.contains_match } };
  const regex = obj(h.safe_regex_match);
  if (regex) return { ...base, match: { kind: 'regex', value: checkRegex(regex.regex, at.at('safe_regex_match').at('regex')) } };
  const sm = obj(h.string_match);
  if (sm) return { ...base, match: translateStringMatcher(sm, at.at('string_match')) };
  if (h.range_match !== undefined) at.at('range_match').fail('range matches are not supported');
  // present_match false asks for the header to be absent; true (or nothing) for presence.
  if (h.present_match === false) return { ...base, absent: true };
  return base;
}

/** `config.route.v3.QueryParameterMatcher` → model. */
export function translateQueryParameterMatcher(q: ProtoJson, at: FieldPath): QueryParameterMatcher {
  const name = str(q.name) ?? at.at('name').fail('query parameter name is required');
  const sm = obj(q.string_match);
  if (sm) return { name, match: translateStringMatcher(sm, at.at('string_match')) };
  if (q.present_match === true) return { name, presentMatch: true };
  return at.fail('one of string_match, present_match is required');
}
