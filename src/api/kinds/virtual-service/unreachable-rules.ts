import type { Reporter } from '../../diagnostic.js';

// Warnings for rules that can never be used (Istio's IST0130 VirtualServiceUnreachableRule and
// IST0131 VirtualServiceIneffectiveMatch, which its webhook also returns as warnings).

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Which list the rules come from; only HTTP rules and matches have names. */
export type RuleKind = 'http' | 'tcp' | 'tls';

/** Warns about unreachable rules and duplicate or shadowed matches in one rule list. */
export function warnUnreachableRules(routes: readonly unknown[] | undefined, kind: RuleKind, at: Reporter): void {
  if (!routes) return;
  const seen = new Map<string, number>();
  let catchAll = -1;
  const prefixMatches: PrefixMatch[] = [];
  routes.forEach((route, r) => {
    if (!isObj(route)) return;
    const rat = at.at(r);
    const matches = Array.isArray(route.match) ? (route.match as unknown[]) : [];
    if (matches.length === 0) {
      if (catchAll >= 0) rat.warn(`virtualService rule ${ruleName(route, r, kind)} not used (only the last rule can have no matches)`);
      catchAll = r;
      return;
    }
    let duplicates = 0;
    matches.forEach((m, j) => {
      const key = canonical(kind === 'http' && isObj(m) ? { ...m, name: undefined } : m);
      const first = seen.get(key);
      if (first !== undefined) {
        rat.at('match').at(j).warn(`virtualService rule ${ruleName(route, r, kind)} match ${matchName(m, j, kind)} is not used (duplicate/overlapping match in rule ${ruleName(routes[first], first, kind)})`);
        duplicates++;
        return;
      }
      seen.set(key, r);
      if (kind === 'http') {
        const pm = prefixMatch(m, r, j, ruleName(route, r, kind), matchName(m, j, kind));
        if (pm) prefixMatches.push(pm);
      }
    });
    if (duplicates === matches.length) rat.warn(`virtualService rule ${ruleName(route, r, kind)} not used (all matches used by prior rules)`);
  });
  for (let a = 0; a < prefixMatches.length; a++) {
    for (let b = a + 1; b < prefixMatches.length; b++) {
      const earlier = prefixMatches[a];
      const later = prefixMatches[b];
      if (later.prefix === earlier.prefix || !covers(earlier, later)) continue;
      at.at(later.rule).at('match').at(later.match).warn(
        `virtualService rule ${later.ruleName} match ${later.matchName} of prefix ${later.prefix} is not used (duplicate/overlapping match in rule ${earlier.matchName} of prefix ${earlier.prefix} on ${earlier.ruleName})`,
      );
    }
  }
}

function ruleName(route: unknown, index: number, kind: RuleKind): string {
  if (kind === 'http' && isObj(route) && typeof route.name === 'string' && route.name !== '') return JSON.stringify(route.name);
  return `#${index}`;
}

function matchName(match: unknown, index: number, kind: RuleKind): string {
  if (kind === 'http' && isObj(match) && typeof match.name === 'string' && match.name !== '') return JSON.stringify(match.name);
  return `#${index}`;
}

// A stable text for comparing matches: keys sorted, unset and zero values dropped.
function canonical(v: unknown): string {
  return JSON.stringify(strip(v)) ?? '';
}

function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(strip);
  if (isObj(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) {
      const s = strip(v[k]);
      if (s !== undefined) out[k] = s;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (v === null || v === false || v === 0 || v === '') return undefined;
  return v;
}

interface PrefixMatch {
  rule: number;
  match: number;
  ruleName: string;
  matchName: string;
  prefix: string;
  port: number;
  method: string;
  authority: string;
  headers: Map<string, string>;
  queryParams: Map<string, string>;
  withoutHeaders: Map<string, string>;
}

function exactOrPrefix(sm: unknown): string {
  if (!isObj(sm)) return '';
  if (typeof sm.exact === 'string' && sm.exact !== '') return `exact:${sm.exact}`;
  if (typeof sm.prefix === 'string' && sm.prefix !== '') return `prefix:${sm.prefix}`;
  return '';
}

function toMap(v: unknown): Map<string, string> {
  return new Map(Object.entries(isObj(v) ? v : {}).map(([k, sm]) => [k, exactOrPrefix(sm)]));
}

// Only matches on a URI prefix are compared for shadowing, as Istio does.
function prefixMatch(m: unknown, rule: number, match: number, rn: string, mn: string): PrefixMatch | undefined {
  if (!isObj(m) || !isObj(m.uri) || typeof m.uri.prefix !== 'string' || m.uri.prefix === '') return undefined;
  return {
    rule,
    match,
    ruleName: rn,
    matchName: mn,
    prefix: m.uri.prefix,
    port: Number(m.port ?? 0),
    method: exactOrPrefix(m.method) || 'exact:GET',
    authority: exactOrPrefix(m.authority),
    headers: toMap(m.headers),
    queryParams: toMap(m.queryParams),
    withoutHeaders: toMap(m.withoutHeaders),
  };
}

// True when every request the later match takes is already taken by the earlier one.
function covers(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix) || a.port !== b.port) return false;
  if (a.method !== b.method && !a.method.startsWith(b.method)) return false;
  if (a.authority !== b.authority && !a.authority.startsWith(b.authority)) return false;
  return sameOrNarrower(a.headers, b.headers) && sameOrNarrower(a.queryParams, b.queryParams) && sameOrNarrower(a.withoutHeaders, b.withoutHeaders);
}

function sameOrNarrower(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || (v !== w && !v.startsWith(w))) return false;
  }
  return true;
}
