import type { Reporter } from '../../diagnostic.js';
import { checkRegex } from '../../validation/common.js';

// Envoy approximates RE2 program size by length; Istio caps regexes at this many characters.
const MAX_REGEX_LENGTH = 1024;

/** A regex as Istio accepts it: RE2 syntax, at most 1024 characters. */
export function checkIstioRegex(re: string): string | undefined {
  if (re.length > MAX_REGEX_LENGTH) return `regex is too large, max length allowed is ${MAX_REGEX_LENGTH}`;
  const err = checkRegex(re);
  return err ? `${err}; Istio uses RE2 syntax (https://github.com/google/re2/wiki/Syntax)` : undefined;
}

/**
 * A `StringMatch`. `allowEmptyPrefix` is for `uri`, where Envoy accepts an empty prefix;
 * everywhere else an empty prefix is rejected. An empty regex is always rejected.
 */
export function validateStringMatch(value: unknown, at: Reporter, opts: { allowEmptyPrefix?: boolean } = {}): void {
  if (typeof value !== 'object' || value === null) return;
  const sm = value as Record<string, unknown>;
  if (sm.prefix === '' && !opts.allowEmptyPrefix) at.at('prefix').error('prefix string match should not be empty');
  if (typeof sm.regex === 'string') {
    if (sm.regex === '') at.at('regex').error('regex string match should not be empty');
    else {
      const err = checkIstioRegex(sm.regex);
      if (err) at.at('regex').error(err);
    }
  }
}
