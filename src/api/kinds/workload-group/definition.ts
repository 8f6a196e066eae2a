import { defineKind } from '../kind.js';
import { workloadGroupSchema } from './schema.js';
import type { WorkloadGroupSpec } from './types.js';
import { validateWorkloadGroup } from './validate.js';

/** WorkloadGroup (networking.istio.io): a template for auto-registered VM workloads. */
export const workloadGroupKind = defineKind<WorkloadGroupSpec>({
  kind: 'WorkloadGroup',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'workloadgroups',
  shortNames: ['wg'],
  namespaced: true,
  spec: workloadGroupSchema,
  validate: validateWorkloadGroup,
});
