import type { StringMatch } from '../config/model.js';
import { compileRegex } from './regex.js';

/** A compiled Envoy StringMatcher. */
export type StringPredicate = (value: string) => boolean;

/** Compiles a StringMatcher once; regexes are RE2 and must match the whole value. */
export function compileStringMatch(match: StringMatch): StringPredicate {
  if (match.kind === 'regex') {
    const re = compileRegex(match.value);
    return (value) => re.fullMatch(value);
  }
  const ignoreCase = match.ignoreCase === true;
  const expected = ignoreCase ? match.value.toLowerCase() : match.value;
  const norm = ignoreCase ? (v: string) => v.toLowerCase() : (v: string) => v;
  switch (match.kind) {
    case 'exact':
      return (value) => norm(value) === expected;
    case 'prefix':
      return (value) => norm(value).startsWith(expected);
    case 'suffix':
      return (value) => norm(value).endsWith(expected);
    case 'contains':
      return (value) => norm(value).includes(expected);
  }
}
