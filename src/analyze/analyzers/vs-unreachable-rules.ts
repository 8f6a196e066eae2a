import type { Analyzer } from '../analyzer.js';
import type { AnalysisContext } from '../context.js';
import type { ResourceEntry } from '../entry.js';
import { arr, obj, str } from '../fields.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';

/** `"name"` when the rule or match is named, else `#index`, as Istio refers to them. */
function label(v: Record<string, unknown> | undefined, index: number): string {
  const name = str(v?.name);
  return name ? JSON.stringify(name) : `#${index}`;
}

/** A canonical text of a match without its name, so equal conditions compare equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = obj(v);
  if (o) return `{${Object.keys(o).filter((k) => k !== 'name').sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

function analyzeRules(ctx: AnalysisContext, vs: ResourceEntry, section: string): void {
  const seen = new Map<string, number>();
  let catchAll = -1;
  const rules = arr(vs.spec[section]);
  rules.forEach((rule, i) => {
    const r = obj(rule);
    if (!r) return;
    const at = `spec.${section}[${i}]`;
    const matches = arr(r.match);
    if (matches.length === 0) {
      if (catchAll >= 0) ctx.report(newMessage(MESSAGE_TYPES.VirtualServiceUnreachableRule, vs, at, label(r, i), 'only the last rule may have no match'));
      catchAll = i;
      return;
    }
    let duplicates = 0;
    matches.forEach((m, j) => {
      const key = canonical(m);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        duplicates++;
        ctx.report(newMessage(MESSAGE_TYPES.VirtualServiceIneffectiveMatch, vs, `${at}.match[${j}]`, label(r, i), label(obj(m), j), label(obj(rules[earlier]), earlier)));
      } else {
        seen.set(key, i);
      }
    });
    if (duplicates === matches.length) ctx.report(newMessage(MESSAGE_TYPES.VirtualServiceUnreachableRule, vs, at, label(r, i), 'every match is used by an earlier rule'));
  });
}

/**
 * IST0130 for rules that can never be chosen (a second rule without matches, or all matches
 * already taken) and IST0131 for single matches an earlier rule already has. Istio finds these
 * during validation; Plexus runs them as an analyzer.
 */
export const unreachableRulesAnalyzer: Analyzer = {
  name: 'virtualservice.UnreachableRulesAnalyzer',
  description: 'Checks for VirtualService rules and matches that can never be used',
  analyze(ctx) {
    for (const vs of ctx.list('VirtualService')) for (const section of ['http', 'tcp', 'tls']) analyzeRules(ctx, vs, section);
  },
};
