import { compileRawStringMatcher } from '../../matchers/string-matcher.js';
import { field, isObject } from '../proto-values.js';

/** True when a (lower-case) header name is in the list. */
export type HeaderNamePredicate = (name: string) => boolean;

/**
 * Envoy's `type.matcher.v3.ListStringMatcher` used as a list of header names (ext_authz's
 * allowed/disallowed header lists): a name is in the list when any pattern matches it.
 * Undefined when the field is absent, so "not set" stays distinguishable from "empty".
 */
export function compileHeaderNameList(raw: unknown, at: string, errors: string[]): HeaderNamePredicate | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) {
    errors.push(`${at}: must be a ListStringMatcher`);
    return undefined;
  }
  const patterns = field(raw, 'patterns');
  if (!Array.isArray(patterns) || patterns.length === 0) {
    errors.push(`${at}.patterns: at least one pattern is required`);
    return undefined;
  }
  const before = errors.length;
  const compiled = patterns.map((p, i) => compileRawStringMatcher(p, `${at}.patterns[${i}]`, errors));
  if (errors.length > before) return undefined;
  const matchers = compiled as ((s: string) => boolean)[];
  // Names are matched as Envoy keeps them, lower-case; istiod's patterns set ignore_case.
  return (name) => {
    for (const m of matchers) if (m(name)) return true;
    return false;
  };
}
