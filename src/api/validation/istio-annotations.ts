import type { Reporter } from '../diagnostic.js';

// Istio wraps every config kind's validator with the same metadata checks, run before
// the kind's own rules: two annotations are refused whatever the spec says.

const DRY_RUN = 'istio.io/dry-run';
/** Istio's webhook refuses any object carrying this key; its own tests use it. */
const ALWAYS_REJECT = 'internal.istio.io/webhook-always-reject';

/** True for the API groups whose kinds go through Istio's validation (not core Kubernetes, not Plexus's own). */
export function isIstioGroup(group: string): boolean {
  return group === 'istio.io' || group.endsWith('.istio.io');
}

/**
 * The annotation rules Istio applies to every kind it validates. The dry-run annotation's
 * value is checked by AuthorizationPolicy itself, the one kind allowed to carry it.
 */
export function checkIstioAnnotations(kind: string, annotations: Readonly<Record<string, unknown>> | undefined, at: Reporter): void {
  if (!annotations) return;
  if (DRY_RUN in annotations && kind !== 'AuthorizationPolicy') {
    at.at(DRY_RUN).error(`the ${DRY_RUN} annotation is only supported on AuthorizationPolicy, not on ${kind}; remove it`);
  }
  if (ALWAYS_REJECT in annotations) at.at(ALWAYS_REJECT).error(`the ${ALWAYS_REJECT} annotation makes Istio reject the object`);
}
