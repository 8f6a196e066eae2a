import type { Reporter } from '../../diagnostic.js';
import { checkWildcardDomain } from '../../validation/common.js';
import type { ValidationContext } from '../kind.js';
import { isIstioDNSLabel, validateIstioLabels, validateNetworkingExportTo, validateWorkloadSelector } from './networking-rules.js';
import { validateTrafficPolicy } from './traffic-policy.js';
import type { DestinationRuleSpec } from './types.js';

export { validateConnectionPool } from './connection-pool.js';
export { validateClientTls } from './client-tls.js';

/** Istio's rule for a subset name (also used by VirtualService destinations). */
export function checkSubsetName(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'subset name is required';
  if (!isIstioDNSLabel(name)) return `invalid subset name ${JSON.stringify(name)}: must be a DNS label`;
  return undefined;
}

/** The semantic rules of Istio's validating webhook and CRD for a DestinationRule. */
export function validateDestinationRule(spec: DestinationRuleSpec, at: Reporter, ctx: ValidationContext): void {
  const namespace = ctx.resource.metadata?.namespace;
  if (spec.host === undefined || spec.host === null || spec.host === '') at.at('host').error('host is required');
  else {
    const err = checkWildcardDomain(spec.host);
    if (err) at.at('host').error(err);
  }
  validateTrafficPolicy(spec.trafficPolicy, at.at('trafficPolicy'), namespace);

  const names = new Set<string>();
  (spec.subsets ?? []).forEach((subset, i) => {
    const sat = at.at('subsets').at(i);
    if (subset === null || typeof subset !== 'object') {
      sat.error('subset may not be null');
      return;
    }
    const nameErr = checkSubsetName(subset.name);
    if (nameErr) sat.at('name').error(nameErr);
    else if (names.has(subset.name!)) sat.at('name').error(`duplicate subset name ${JSON.stringify(subset.name)}`);
    else names.add(subset.name!);
    validateIstioLabels(subset.labels, sat.at('labels'));
    validateTrafficPolicy(subset.trafficPolicy, sat.at('trafficPolicy'), namespace);
  });

  validateNetworkingExportTo(spec.exportTo, namespace, at.at('exportTo'), { workloadSelector: spec.workloadSelector != null });
  validateWorkloadSelector(spec.workloadSelector, at.at('workloadSelector'));
}
