import { RE2JS } from 're2js';

/**
 * RE2 regexes, as Envoy's `safe_regex` uses: linear time whatever the input, so a route
 * pattern can never be made to backtrack by a hostile path. Compiled once per config.
 */
export interface CompiledRegex {
  readonly source: string;
  /** Full match, like Envoy's `safe_regex` matchers. */
  fullMatch(input: string): boolean;
  /** Replaces every match; `substitution` uses Envoy's `\1` group syntax. */
  replaceAll(input: string, substitution: string): string;
}

/** Compiles an RE2 pattern; throws with the pattern in the message when it is invalid. */
export function compileRegex(pattern: string): CompiledRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    throw new Error(`invalid RE2 regex ${JSON.stringify(pattern)}: ${(err as Error).message}`, { cause: err });
  }
  return {
    source: pattern,
    fullMatch: (input) => re.matches(input),
    replaceAll: (input, substitution) => re.matcher(input).replaceAll(toRe2jsReplacement(substitution)),
  };
}

// Envoy writes groups as \1; re2js wants $1 and a literal $ as $$.
function toRe2jsReplacement(substitution: string): string {
  return substitution.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1');
}
