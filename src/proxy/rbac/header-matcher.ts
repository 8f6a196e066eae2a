import { field, isObject, toNumber, toStr } from '../filters/proto-values.js';
import { compileRawStringMatcher } from '../matchers/string-matcher.js';
import { compileRegex } from '../router/regex.js';
import type { RbacRequest } from './rbac-request.js';

/** A compiled RBAC matcher over one request. */
export type RbacMatcher = (req: RbacRequest) => boolean;

type ValueTest = (value: string) => boolean;

const INTEGER = /^\s*[+-]?\d+\s*$/;

/**
 * Envoy's `config.route.v3.HeaderMatcher` with all of its quirks: a missing header matches
 * only presence rules (or is read as "" with treat_missing_header_as_empty); the deprecated
 * `exact_match: ""` matches any value; `invert_match` flips the value result; range matches
 * need a base-10 integer; no specifier at all means "present".
 */
export function compileHeaderMatcher(raw: unknown, at: string, errors: string[]): RbacMatcher | undefined {
  if (!isObject(raw)) {
    errors.push(`${at}: a HeaderMatcher is required`);
    return undefined;
  }
  const name = toStr(field(raw, 'name'))?.toLowerCase();
  if (!name) {
    errors.push(`${at}.name: is required`);
    return undefined;
  }
  const invert = field(raw, 'invertMatch') === true;
  const missingAsEmpty = field(raw, 'treatMissingHeaderAsEmpty') === true;
  const before = errors.length;
  let present: boolean | undefined;
  let test: ValueTest | undefined;

  const exact = toStr(field(raw, 'exactMatch'));
  const prefix = toStr(field(raw, 'prefixMatch'));
  const suffix = toStr(field(raw, 'suffixMatch'));
  const contains = toStr(field(raw, 'containsMatch'));
  const regex = field(raw, 'safeRegexMatch');
  const range = field(raw, 'rangeMatch');
  const presentMatch = field(raw, 'presentMatch');
  const stringMatch = field(raw, 'stringMatch');
  const nonEmpty = (v: string, f: string): string => {
    if (v === '') errors.push(`${at}.${f}: must not be empty`);
    return v;
  };
  if (exact !== undefined) test = exact === '' ? () => true : (v) => v === exact;
  else if (prefix !== undefined) test = ((p) => (v: string) => v.startsWith(p))(nonEmpty(prefix, 'prefix_match'));
  else if (suffix !== undefined) test = ((s) => (v: string) => v.endsWith(s))(nonEmpty(suffix, 'suffix_match'));
  else if (contains !== undefined) test = ((c) => (v: string) => v.includes(c))(nonEmpty(contains, 'contains_match'));
  else if (regex !== undefined) {
    const pattern = toStr(field(regex, 'regex'));
    if (!pattern) errors.push(`${at}.safe_regex_match.regex: is required`);
    else
      try {
        const re = compileRegex(pattern);
        test = (v) => re.fullMatch(v);
      } catch (err) {
        errors.push(`${at}.safe_regex_match.regex: ${(err as Error).message}`);
      }
  } else if (range !== undefined) {
    const start = toNumber(field(range, 'start')) ?? 0;
    const end = toNumber(field(range, 'end')) ?? 0;
    if (start > end) errors.push(`${at}.range_match: start ${start} is after end ${end}`);
    // Int64Range: start inclusive, end exclusive.
    test = (v) => {
      if (!INTEGER.test(v)) return false;
      const n = Number(v);
      return n >= start && n < end;
    };
  } else if (typeof presentMatch === 'boolean') present = presentMatch;
  else if (stringMatch !== undefined) test = compileRawStringMatcher(stringMatch, `${at}.string_match`, errors);
  else present = true;
  if (errors.length > before) return undefined;

  if (test === undefined) {
    const p = present === true;
    return (req) => {
      const value = req.header(name);
      if (value === undefined && !missingAsEmpty) return invert ? p : !p;
      return p !== invert;
    };
  }
  const valueTest = test;
  return (req) => {
    const value = req.header(name);
    if (value === undefined) {
      if (!missingAsEmpty) return false;
      return valueTest('') !== invert;
    }
    return valueTest(value) !== invert;
  };
}
