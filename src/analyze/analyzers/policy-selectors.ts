import type { Analyzer } from '../analyzer.js';
import type { AnalysisContext } from '../context.js';
import { obj, stringMap } from '../fields.js';
import { selectorString } from '../labels.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';
import { matchingWorkloads } from '../workloads.js';

/**
 * IST0127 for a security policy whose selector matches no workload: in its namespace, or
 * anywhere for the root namespace. A namespace-wide policy warns when its namespace has no
 * workloads at all; a mesh-wide one without selector never does.
 */
function checkPolicies(ctx: AnalysisContext, kind: string): void {
  if (!ctx.hasWorkloads()) return;
  const workloads = ctx.workloads();
  for (const p of ctx.list(kind)) {
    const sel = obj(p.spec.selector);
    const meshWide = p.namespace === ctx.mesh.rootNamespace;
    if (obj(p.spec.targetRef) || Array.isArray(p.spec.targetRefs)) continue; // targets gateways, not workloads
    if (!sel) {
      if (!meshWide && matchingWorkloads(workloads, {}, p.namespace).length === 0) ctx.report(newMessage(MESSAGE_TYPES.NoMatchingWorkloadsFound, p, 'metadata.name', ''));
      continue;
    }
    const labels = stringMap(sel.matchLabels);
    if (matchingWorkloads(workloads, labels, meshWide ? undefined : p.namespace).length === 0) {
      ctx.report(newMessage(MESSAGE_TYPES.NoMatchingWorkloadsFound, p, 'spec.selector', selectorString(labels)));
    }
  }
}

/** IST0127 for AuthorizationPolicy selectors. */
export const authorizationPolicySelectorAnalyzer: Analyzer = {
  name: 'auth.AuthorizationPoliciesAnalyzer',
  description: 'Checks that authorization policies select workloads and reference namespaces that exist',
  analyze(ctx) {
    checkPolicies(ctx, 'AuthorizationPolicy');
  },
};

/** IST0127 for PeerAuthentication and RequestAuthentication selectors. */
export const authenticationSelectorAnalyzer: Analyzer = {
  name: 'auth.AuthenticationPoliciesAnalyzer',
  description: 'Checks that peer and request authentication policies select workloads',
  analyze(ctx) {
    checkPolicies(ctx, 'PeerAuthentication');
    checkPolicies(ctx, 'RequestAuthentication');
  },
};
