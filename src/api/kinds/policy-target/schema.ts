import { list, map, message, str, type Schema } from '../../schema/schema.js';

/** Schema of `istio.type.v1beta1.WorkloadSelector`. */
export const workloadSelectorSchema: Schema = message('WorkloadSelector', () => ({ matchLabels: map(str()) }));

/** Schema of `istio.type.v1beta1.PolicyTargetReference`. */
export const policyTargetReferenceSchema: Schema = message('PolicyTargetReference', () => ({
  group: str(),
  kind: str(),
  name: str(),
  namespace: str(),
}));

/** The `selector`, `targetRef` and `targetRefs` fields shared by policy kinds. */
export function policyTargetingFields(): Record<string, Schema> {
  return {
    selector: workloadSelectorSchema,
    targetRef: policyTargetReferenceSchema,
    targetRefs: list(policyTargetReferenceSchema),
  };
}
