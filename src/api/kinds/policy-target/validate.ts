import type { Reporter } from '../../diagnostic.js';
import type { PolicyTargeting, PolicyTargetReference, WorkloadSelector } from './types.js';

// Rules shared by AuthorizationPolicy, RequestAuthentication, Telemetry, WasmPlugin and
// (selector only) PeerAuthentication: Istio's webhook plus the CRDs' CEL rules.

const GROUP = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const MAX_TARGET_REFS = 16;

/** Group (empty for core) and kind a policy may target. */
const ALLOWED_TARGETS: readonly { group: string; kind: string }[] = [
  { group: '', kind: 'Service' },
  { group: 'networking.istio.io', kind: 'ServiceEntry' },
  { group: 'gateway.networking.k8s.io', kind: 'Gateway' },
];

const present = (v: unknown): boolean => v !== undefined && v !== null;

/** A workload selector: no empty keys, no wildcards; warns when it selects by no label at all. */
export function validateWorkloadSelector(selector: WorkloadSelector | undefined, at: Reporter): void {
  if (!present(selector)) return;
  const labels = selector?.matchLabels ?? {};
  const at2 = at.at('matchLabels');
  for (const [k, v] of Object.entries(labels)) {
    if (k === '') at2.at(k).error('an empty label key is not allowed in a workload selector');
    if (k.includes('*')) at2.at(k).error(`wildcard not allowed in label key ${JSON.stringify(k)}`);
    if (typeof v === 'string') {
      if (v.includes('*')) at2.at(k).error(`wildcard not allowed in label value ${JSON.stringify(v)}`);
      if (v.length > 63) at2.at(k).error(`label value ${JSON.stringify(v)} is longer than 63 characters`);
    }
  }
  if (Object.keys(labels).length === 0) at.warn('workload selector specified without labels: the policy applies to every workload in its scope');
}

/** One target reference: kind and name set, no namespace, and a kind Istio can attach policy to. */
export function validatePolicyTargetReference(ref: PolicyTargetReference | undefined, at: Reporter): void {
  if (!present(ref) || ref === undefined) return;
  const group = ref.group ?? '';
  if (!ref.name) at.at('name').error('targetRef name must be set');
  else if (ref.name.length > 253) at.at('name').error('targetRef name must be at most 253 characters');
  if (!ref.kind) at.at('kind').error('targetRef kind must be set');
  else if (ref.kind.length > 63 || !KIND.test(ref.kind)) at.at('kind').error(`invalid targetRef kind ${JSON.stringify(ref.kind)}`);
  if (group.length > 253 || !GROUP.test(group)) at.at('group').error(`invalid targetRef group ${JSON.stringify(group)}`);
  if (ref.namespace) at.at('namespace').error('targetRef namespace must not be set; cross namespace referencing is not supported');
  if (ref.kind && !ALLOWED_TARGETS.some((t) => t.kind === ref.kind && t.group === group)) {
    const allowed = ALLOWED_TARGETS.map((t) => `${t.group || 'core'}/${t.kind}`).join(', ');
    at.error(`targetRef must refer to one of ${allowed}, got ${group || 'core'}/${ref.kind}`);
  }
}

/** `selector`, `targetRef` and `targetRefs` are mutually exclusive; each is validated on its own. */
export function validatePolicyTargeting(spec: PolicyTargeting, at: Reporter): void {
  const set = (['selector', 'targetRef', 'targetRefs'] as const).filter((f) => present(spec[f]));
  if (set.length > 1) at.error(`only one of targetRefs, targetRef or selector can be set (found ${set.join(', ')})`);
  validateWorkloadSelector(spec.selector, at.at('selector'));
  validatePolicyTargetReference(spec.targetRef, at.at('targetRef'));
  const refs = spec.targetRefs ?? [];
  if (refs.length > MAX_TARGET_REFS) at.at('targetRefs').error(`at most ${MAX_TARGET_REFS} targetRefs are allowed, got ${refs.length}`);
  refs.forEach((r, i) => validatePolicyTargetReference(r, at.at('targetRefs').at(i)));
}
