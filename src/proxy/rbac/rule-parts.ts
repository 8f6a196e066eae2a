import { field, isObject, toNumber } from '../filters/proto-values.js';
import { compileMetadataMatcherInto } from '../matchers/metadata-matcher.js';
import { compileRawStringMatcher } from '../matchers/string-matcher.js';
import type { RbacMatcher } from './header-matcher.js';

/**
 * Matchers shared by permissions and principals: url_path, metadata, and the and/or/not
 * combinators. Kept apart so permission.ts and principal.ts only say which kinds they take.
 */

/** `type.matcher.v3.PathMatcher`: the path without query string and fragment (Envoy's rule). */
export function compileUrlPath(raw: unknown, at: string, errors: string[]): RbacMatcher | undefined {
  const inner = field(raw, 'path');
  if (inner === undefined) {
    errors.push(`${at}.path: a StringMatcher is required`);
    return undefined;
  }
  const match = compileRawStringMatcher(inner, `${at}.path`, errors);
  if (!match) return undefined;
  return (req) => {
    const path = req.urlPath;
    return path !== undefined && match(path);
  };
}

/** A MetadataMatcher over the request's dynamic metadata. */
export function compileRbacMetadata(raw: unknown, at: string, errors: string[]): RbacMatcher | undefined {
  const m = compileMetadataMatcherInto(raw, at, errors);
  return m && ((req) => m(req.metadata));
}

/** `type.v3.Int32Range` over the destination port: start inclusive, end exclusive. */
export function compilePortRange(raw: unknown, at: string, errors: string[]): RbacMatcher | undefined {
  if (!isObject(raw)) {
    errors.push(`${at}: an Int32Range is required`);
    return undefined;
  }
  const start = toNumber(field(raw, 'start')) ?? 0;
  const end = toNumber(field(raw, 'end')) ?? 0;
  if (start > end) {
    errors.push(`${at}: start ${start} is after end ${end}`);
    return undefined;
  }
  return (req) => req.destinationPort >= start && req.destinationPort < end;
}

/** A list of rules combined with every/some; each item compiled by `one`. */
export function compileSet(
  raw: unknown,
  listField: 'rules' | 'ids',
  combine: 'and' | 'or',
  at: string,
  errors: string[],
  one: (raw: unknown, at: string, errors: string[]) => RbacMatcher | undefined,
): RbacMatcher | undefined {
  const items = field(raw, listField);
  const path = `${at}.${listField}`;
  if (!Array.isArray(items) || items.length === 0) {
    errors.push(`${path}: at least one entry is required`);
    return undefined;
  }
  const compiled = items.map((item, i) => one(item, `${path}[${i}]`, errors));
  if (compiled.some((c) => c === undefined)) return undefined;
  const all = compiled as RbacMatcher[];
  if (all.length === 1) return all[0];
  const n = all.length;
  if (combine === 'and')
    return (req) => {
      for (let i = 0; i < n; i++) if (!all[i]!(req)) return false;
      return true;
    };
  return (req) => {
    for (let i = 0; i < n; i++) if (all[i]!(req)) return true;
    return false;
  };
}

/** The one oneof member set on a rule, or an error naming what was expected. */
export function oneofKey(raw: unknown, known: readonly string[], at: string, errors: string[], what: string): string | undefined {
  if (!isObject(raw)) {
    errors.push(`${at}: a ${what} is required`);
    return undefined;
  }
  const set = Object.keys(raw).filter((k) => raw[k] !== undefined && raw[k] !== null);
  if (set.length === 0) {
    errors.push(`${at}: an empty ${what}; one of ${known.join(', ')} is required`);
    return undefined;
  }
  if (set.length > 1) {
    errors.push(`${at}: a ${what} sets ${set.join(' and ')}; exactly one is allowed`);
    return undefined;
  }
  return set[0].replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
