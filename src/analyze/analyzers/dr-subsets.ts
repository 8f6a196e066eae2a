import type { Analyzer } from '../analyzer.js';
import type { AnalysisContext } from '../context.js';
import type { ResourceEntry } from '../entry.js';
import { arr, obj, q, str, stringMap, strings } from '../fields.js';
import { hostsMatch, isWildcard } from '../hosts.js';
import { selectorMatches } from '../labels.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';
import type { ServiceRecord } from '../service-index.js';
import { serviceEntryEndpointLabels } from '../workloads.js';

/** True when some workload of the service carries all of `labels`. */
function subsetSelectsSomething(ctx: AnalysisContext, s: ServiceRecord, labels: Record<string, string>): boolean | undefined {
  if (s.entry.kind === 'ServiceEntry' && !s.selector) {
    // Without a workloadSelector a ServiceEntry's workloads are its inline endpoints.
    const endpoints = serviceEntryEndpointLabels(s.entry.spec);
    if (endpoints.length === 0) return undefined;
    return endpoints.some((l) => selectorMatches(labels, l));
  }
  if (!s.selector) return undefined; // a Service without selector has hand-managed endpoints
  const selector = { ...s.selector, ...labels };
  return ctx.workloads().some((w) => w.namespace === s.entry.namespace && selectorMatches(selector, w.labels));
}

function analyzeRule(ctx: AnalysisContext, dr: ResourceEntry): void {
  const host = str(dr.spec.host);
  if (!host) return;
  const index = ctx.serviceIndex();
  if (isWildcard(host)) {
    // A wildcard rule is fine as soon as it covers some visible service.
    const fqdn = ctx.fqdn(host, dr.namespace);
    if (!index.visibleFrom(dr.namespace).some((r) => hostsMatch(fqdn, r.host))) {
      ctx.report(newMessage(MESSAGE_TYPES.UnknownDestinationRuleHost, dr, 'spec.host', host));
    }
    return;
  }
  const s = index.lookup(host, dr.namespace, strings(dr.spec.exportTo));
  if (!s) {
    ctx.report(newMessage(MESSAGE_TYPES.UnknownDestinationRuleHost, dr, 'spec.host', host));
    return;
  }
  if (!ctx.hasWorkloads() && s.entry.kind === 'Service') return;
  arr(dr.spec.subsets).forEach((subset, i) => {
    const o = obj(subset);
    const name = str(o?.name);
    if (!o || !name) return;
    if (subsetSelectsSomething(ctx, s, stringMap(o.labels)) === false) {
      ctx.report(newMessage(MESSAGE_TYPES.DestinationRuleSubsetNotSelectPods, dr, `spec.subsets[${i}]`, q(name)));
    }
  });
}

/**
 * IST0174 when a DestinationRule's host matches no Service or ServiceEntry; IST0173 when a
 * subset's labels (with the service's selector) select none of the service's workloads.
 */
export const subsetSelectPodAnalyzer: Analyzer = {
  name: 'destinationrule.SubsetSelectPodAnalyzer',
  description: 'Checks that destination rule hosts exist and that their subsets select workloads',
  analyze(ctx) {
    for (const dr of ctx.list('DestinationRule')) analyzeRule(ctx, dr);
  },
};
