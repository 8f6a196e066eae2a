import type { PathMatch } from '../config/model.js';
import type { CompiledRegex } from './regex.js';
import { splitPath } from './route-request.js';

/**
 * Envoy's `prefix_rewrite`: the part of the path the route matched is replaced, the rest and
 * the query string are kept. Regex routes cannot use it (Envoy rejects that config).
 */
export function rewritePrefix(path: string, match: PathMatch, replacement: string): string {
  if (match.kind === 'regex') return path;
  return replacement + path.slice(match.value.length);
}

/** Envoy's `regex_rewrite`: applied to the path without the query string, every match replaced. */
export function rewriteRegex(path: string, re: CompiledRegex, substitution: string): string {
  const { path: p, query } = splitPath(path);
  const rewritten = re.replaceAll(p, substitution);
  return query === undefined ? rewritten : `${rewritten}?${query}`;
}
