import type { Reporter } from '../../diagnostic.js';
import type { ValidationContext } from '../kind.js';
import { checkFQDN, checkPort, checkWildcardDomain } from '../../validation/common.js';
import { validateConnectionPool } from '../destination-rule/connection-pool.js';
import { isIstioDNSLabel } from '../destination-rule/networking-rules.js';
import { enumName, intValue } from '../gateway/enum-value.js';
import { validateSelectorLabels } from '../workload-entry/workload-selector.js';
import { OUTBOUND_TRAFFIC_POLICY_MODES, type OutboundTrafficPolicy, type SidecarSpec } from './types.js';
import { validateEgressListeners } from './validate-egress.js';
import { validateIngressListeners } from './validate-ingress.js';

/** Rules of Istio's Sidecar webhook and CRD. `at` points at `spec`. */
export function validateSidecar(spec: SidecarSpec, at: Reporter, ctx: ValidationContext): void {
  if (spec.workloadSelector) {
    validateSelectorLabels(spec.workloadSelector.labels, at.at('workloadSelector').at('labels'), {
      maxLabels: 256,
      emptyWarning: 'workloadSelector has no labels, so this Sidecar applies to every workload in the namespace',
    });
  }
  const ingress = spec.ingress ?? [];
  const egress = spec.egress ?? [];
  if (ingress.length === 0 && egress.length === 0 && !spec.outboundTrafficPolicy && !spec.inboundConnectionPool) {
    at.error('empty Sidecar: set at least one of ingress, egress, outboundTrafficPolicy or inboundConnectionPool');
    return;
  }
  validateIngressListeners(ingress, at.at('ingress'));
  validateConnectionPool(spec.inboundConnectionPool, at.at('inboundConnectionPool'));
  validateEgressListeners(egress, at.at('egress'), ctx.resource.metadata?.namespace);
  if (spec.outboundTrafficPolicy) validateOutboundTrafficPolicy(spec.outboundTrafficPolicy, at.at('outboundTrafficPolicy'));
}

function validateOutboundTrafficPolicy(policy: OutboundTrafficPolicy, at: Reporter): void {
  const proxy = policy.egressProxy;
  if (!proxy) return;
  const pat = at.at('egressProxy');
  if (enumName(policy.mode, OUTBOUND_TRAFFIC_POLICY_MODES) !== 'ALLOW_ANY') {
    pat.error('egressProxy can only be set with mode ALLOW_ANY');
    return;
  }
  const host = proxy.host ?? '';
  const hostErr = host === '' ? 'egressProxy host is required' : checkFQDN(host) ?? checkWildcardDomain(host);
  if (hostErr) pat.at('host').error(hostErr);
  if (!proxy.port) {
    pat.at('port').error('egressProxy port is required');
    return;
  }
  if (proxy.subset && !isIstioDNSLabel(proxy.subset)) pat.at('subset').error(`invalid subset name ${JSON.stringify(proxy.subset)}`);
  const err = checkPort(intValue(proxy.port.number));
  if (err) pat.at('port').at('number').error(err);
}
