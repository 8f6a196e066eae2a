import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** WorkloadEntry (networking.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const workloadEntryKind = defineKind<Record<string, unknown>>({
  kind: 'WorkloadEntry',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'workloadentries',
  shortNames: ['we'],
  namespaced: true,
  spec: any(),
});
