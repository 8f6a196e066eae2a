import type { StringMatch } from '../config/model.js';
import { field, isObject, toStr } from '../filters/proto-values.js';
import { compileRegex } from '../router/regex.js';
import { compileStringMatch, type StringPredicate } from '../router/string-matcher.js';

/**
 * Envoy's `type.matcher.v3.StringMatcher` from a decoded config (snake_case or camelCase)
 * to the model's StringMatch. Every problem is pushed to `errors` with its field path;
 * undefined when the matcher cannot be built.
 */
export function parseStringMatcher(raw: unknown, at: string, errors: string[]): StringMatch | undefined {
  if (!isObject(raw)) {
    errors.push(`${at}: a StringMatcher is required`);
    return undefined;
  }
  const ignoreCase = field(raw, 'ignoreCase') === true;
  for (const kind of ['exact', 'prefix', 'suffix', 'contains'] as const) {
    const value = toStr(field(raw, kind));
    if (value === undefined) continue;
    // Envoy's validation: only exact may be empty.
    if (value === '' && kind !== 'exact') {
      errors.push(`${at}.${kind}: must not be empty`);
      return undefined;
    }
    return ignoreCase ? { kind, value, ignoreCase } : { kind, value };
  }
  const safe = field(raw, 'safeRegex');
  if (safe !== undefined) {
    const regex = toStr(field(safe, 'regex'));
    if (regex === undefined || regex === '') {
      errors.push(`${at}.safe_regex.regex: is required`);
      return undefined;
    }
    try {
      compileRegex(regex);
    } catch (err) {
      errors.push(`${at}.safe_regex.regex: ${(err as Error).message}`);
      return undefined;
    }
    // ignore_case has no effect on safe_regex in Envoy either.
    return { kind: 'regex', value: regex };
  }
  if (field(raw, 'custom') !== undefined) {
    errors.push(`${at}.custom: custom string matchers are not supported`);
    return undefined;
  }
  errors.push(`${at}: one of exact, prefix, suffix, contains, safe_regex is required`);
  return undefined;
}

/** Parses and compiles a StringMatcher in one step. */
export function compileRawStringMatcher(raw: unknown, at: string, errors: string[]): StringPredicate | undefined {
  const match = parseStringMatcher(raw, at, errors);
  return match ? compileStringMatch(match) : undefined;
}
