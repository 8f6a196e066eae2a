import { kindDefinition } from '../../api/kinds/registry.js';
import type { Analyzer } from '../analyzer.js';
import type { ResourceEntry } from '../entry.js';
import { arr, obj } from '../fields.js';
import type { AnalysisContext } from '../context.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';

function replaced(ctx: AnalysisContext, e: ResourceEntry, path: string, old: string, use: string): void {
  ctx.report(newMessage(MESSAGE_TYPES.Deprecated, e, path, `${old} is deprecated; use ${use} instead`));
}

function ignored(ctx: AnalysisContext, e: ResourceEntry, path: string, field: string): void {
  ctx.report(newMessage(MESSAGE_TYPES.Deprecated, e, path, `${field} is ignored`));
}

function virtualService(ctx: AnalysisContext, e: ResourceEntry): void {
  arr(e.spec.http).forEach((route, i) => {
    const r = obj(route);
    if (!r) return;
    const at = `spec.http[${i}]`;
    const delay = obj(obj(r.fault)?.delay);
    if (delay && delay.percent !== undefined) replaced(ctx, e, `${at}.fault.delay.percent`, 'HTTPRoute.fault.delay.percent', 'HTTPRoute.fault.delay.percentage');
    if (r.mirrorPercent !== undefined) replaced(ctx, e, `${at}.mirrorPercent`, 'HTTPRoute.mirrorPercent', 'HTTPRoute.mirrorPercentage');
    if (r.mirror_percent !== undefined) replaced(ctx, e, `${at}.mirror_percent`, 'HTTPRoute.mirror_percent', 'HTTPRoute.mirrorPercentage');
    const cors = obj(r.corsPolicy);
    if (cors && cors.allowOrigin !== undefined) replaced(ctx, e, `${at}.corsPolicy.allowOrigin`, 'HTTPRoute.corsPolicy.allowOrigin', 'HTTPRoute.corsPolicy.allowOrigins');
  });
}

/** Checks one TrafficPolicy (and its port-level settings) of a DestinationRule. */
function trafficPolicy(ctx: AnalysisContext, e: ResourceEntry, policy: unknown, at: string): void {
  const p = obj(policy);
  if (!p) return;
  const check = (settings: Record<string, unknown>, path: string): void => {
    const od = obj(settings.outlierDetection);
    if (od && od.consecutiveErrors !== undefined) {
      replaced(ctx, e, `${path}.outlierDetection.consecutiveErrors`, 'OutlierDetection.consecutiveErrors', 'OutlierDetection.consecutive5xxErrors or consecutiveGatewayErrors');
    }
    const hash = obj(obj(settings.loadBalancer)?.consistentHash);
    if (hash && hash.minimumRingSize !== undefined) {
      replaced(ctx, e, `${path}.loadBalancer.consistentHash.minimumRingSize`, 'ConsistentHashLB.minimumRingSize', 'ConsistentHashLB.ringHash.minimumRingSize');
    }
  };
  check(p, at);
  arr(p.portLevelSettings).forEach((s, i) => {
    const o = obj(s);
    if (o) check(o, `${at}.portLevelSettings[${i}]`);
  });
}

function destinationRule(ctx: AnalysisContext, e: ResourceEntry): void {
  trafficPolicy(ctx, e, e.spec.trafficPolicy, 'spec.trafficPolicy');
  arr(e.spec.subsets).forEach((s, i) => trafficPolicy(ctx, e, obj(s)?.trafficPolicy, `spec.subsets[${i}].trafficPolicy`));
}

function sidecar(ctx: AnalysisContext, e: ResourceEntry): void {
  const otp = obj(e.spec.outboundTrafficPolicy);
  if (otp && otp.egressProxy !== undefined) ignored(ctx, e, 'spec.outboundTrafficPolicy.egressProxy', 'OutboundTrafficPolicy.egressProxy');
}

function envoyFilter(ctx: AnalysisContext, e: ResourceEntry): void {
  if (e.spec.workloadLabels !== undefined) replaced(ctx, e, 'spec.workloadLabels', 'EnvoyFilter.workloadLabels', 'EnvoyFilter.workloadSelector');
  if (e.spec.filters !== undefined) replaced(ctx, e, 'spec.filters', 'EnvoyFilter.filters', 'EnvoyFilter.configPatches');
}

/** Deprecated API versions and fields, from Istio's API definitions (hand-maintained, as Istio's is). */
export const deprecationAnalyzer: Analyzer = {
  name: 'deprecation.DeprecationAnalyzer',
  description: 'Checks for deprecated Istio types and fields',
  analyze(ctx) {
    for (const e of ctx.entries) {
      if (e.synthetic) continue;
      const note = kindDefinition(e.group, e.kind)?.deprecatedVersions?.[e.version];
      if (note !== undefined) {
        const text = `${e.resource.apiVersion} ${e.kind} is deprecated${note ? `: ${note}` : ''}`;
        ctx.report(newMessage(MESSAGE_TYPES.Deprecated, e, 'apiVersion', text));
      }
    }
    for (const e of ctx.list('VirtualService')) virtualService(ctx, e);
    for (const e of ctx.list('DestinationRule')) destinationRule(ctx, e);
    for (const e of ctx.list('Sidecar')) sidecar(ctx, e);
    for (const e of ctx.list('EnvoyFilter')) envoyFilter(ctx, e);
  },
};
