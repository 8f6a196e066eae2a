import type { Analyzer } from '../analyzer.js';
import { arr, obj, q, strings } from '../fields.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';

/** Istio's namespace pattern: `*`, `prefix*`, `*suffix`, or an exact name. */
function namespaceMatches(pattern: string, ns: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*')) return ns.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return ns.startsWith(pattern.slice(0, -1));
  return pattern === ns;
}

/**
 * IST0101 (`namespace`) for AuthorizationPolicy sources naming namespaces that do not exist.
 * Runs only when the input declares Namespaces; any namespace a resource lives in counts too.
 */
export const authorizationPolicyNamespaceAnalyzer: Analyzer = {
  name: 'auth.AuthorizationPolicyNamespaceAnalyzer',
  description: 'Checks that namespaces referenced by authorization policies exist',
  analyze(ctx) {
    const declared = ctx.list('Namespace');
    if (declared.length === 0) return;
    const known = new Set([...declared.map((n) => n.name), ...ctx.entries.map((e) => e.namespace).filter(Boolean)]);
    for (const ap of ctx.list('AuthorizationPolicy')) {
      arr(ap.spec.rules).forEach((rule, i) => {
        arr(obj(rule)?.from).forEach((from, j) => {
          const source = obj(obj(from)?.source);
          for (const field of ['namespaces', 'notNamespaces']) {
            strings(source?.[field]).forEach((ns, k) => {
              if ([...known].some((n) => namespaceMatches(ns, n))) return;
              ctx.report(newMessage(MESSAGE_TYPES.ReferencedResourceNotFound, ap, `spec.rules[${i}].from[${j}].source.${field}[${k}]`, 'namespace', q(ns)));
            });
          }
        });
      });
    }
  },
};
