import type { SanMatch, SanType } from '../config/model.js';
import { compileStringMatch } from '../router/string-matcher.js';

/** One SAN entry as Node reports it (`URI`, `DNS`, `email`, `IP Address`, ...). */
export interface SanEntry {
  readonly type: string;
  readonly value: string;
}

/** True when any SAN entry of a certificate satisfies any matcher. */
export type SanEntriesMatcher = (entries: readonly SanEntry[]) => boolean;

/** Node's SAN type names for Envoy's SubjectAltNameMatcher.SanType. */
const NODE_TYPE: Readonly<Record<SanType, string>> = { DNS: 'DNS', URI: 'URI', EMAIL: 'email', IP_ADDRESS: 'IP Address' };
const UNTYPED: readonly SanType[] = ['DNS', 'URI', 'EMAIL', 'IP_ADDRESS'];

// A DNS SAN `*.example.com` in the certificate covers one label, as Envoy's DNS exact match allows.
function dnsWildcardCovers(san: string, name: string): boolean {
  if (!san.startsWith('*.')) return false;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot).toLowerCase() === san.slice(1).toLowerCase();
}

function compileOne(m: SanMatch): (e: SanEntry) => boolean {
  const test = compileStringMatch(m);
  const types = new Set((m.sanType ? [m.sanType] : UNTYPED).map((t) => NODE_TYPE[t]));
  const dnsExact = m.kind === 'exact' && types.has('DNS') ? m.value : undefined;
  return (e) => types.has(e.type) && (test(e.value) || (dnsExact !== undefined && e.type === 'DNS' && dnsWildcardCovers(e.value, dnsExact)));
}

const compiled = new WeakMap<readonly SanMatch[], SanEntriesMatcher>();

/**
 * The compiled form of a validation context's SAN matchers (once per config object). Typed
 * matchers look only at their SAN type; untyped ones (`match_subject_alt_names`) at DNS, URI,
 * email and IP SANs, as Envoy's default certificate validator does.
 */
export function sanMatcherFor(matchers: readonly SanMatch[]): SanEntriesMatcher {
  let fn = compiled.get(matchers);
  if (fn) return fn;
  const tests = matchers.map(compileOne);
  fn = (entries) => {
    for (const e of entries) for (const t of tests) if (t(e)) return true;
    return false;
  };
  compiled.set(matchers, fn);
  return fn;
}
