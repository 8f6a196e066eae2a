import { defineKind } from '../kind.js';
import { workloadEntrySchema } from './schema.js';
import type { WorkloadEntrySpec } from './types.js';
import { validateWorkloadEntry } from './validate.js';

/** WorkloadEntry (networking.istio.io): a VM or other non-Kubernetes workload. */
export const workloadEntryKind = defineKind<WorkloadEntrySpec>({
  kind: 'WorkloadEntry',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'workloadentries',
  shortNames: ['we'],
  namespaced: true,
  spec: workloadEntrySchema,
  validate: validateWorkloadEntry,
});
