import type { Reporter } from '../../diagnostic.js';
import { validateWorkloadSelector } from '../policy-target/validate.js';
import type { PeerAuthenticationSpec } from './types.js';

/** Istio's PeerAuthentication rules (webhook and CRD). */
export function validatePeerAuthentication(spec: PeerAuthenticationSpec, at: Reporter): void {
  validateWorkloadSelector(spec.selector, at.at('selector'));
  const ports = spec.portLevelMtls;
  if (ports === undefined || ports === null) return;
  const atPorts = at.at('portLevelMtls');
  if (Object.keys(ports).length === 0) atPorts.error('portLevelMtls, when set, must have at least one port');
  else if (Object.keys(spec.selector?.matchLabels ?? {}).length === 0) {
    // A port number only means something for a known set of workloads.
    atPorts.error('portLevelMtls requires a selector with at least one label: namespace-wide and mesh-wide policies cannot set port-level mTLS');
  }
  for (const key of Object.keys(ports)) {
    const n = /^\d+$/.test(key) ? Number(key) : NaN;
    if (!(n >= 1 && n <= 65535)) atPorts.at(key).error(`port ${JSON.stringify(key)} must be a number in the range 1..65535`);
  }
}
