import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** WorkloadGroup (networking.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const workloadGroupKind = defineKind<Record<string, unknown>>({
  kind: 'WorkloadGroup',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'workloadgroups',
  shortNames: ['wg'],
  namespaced: true,
  spec: any(),
});
