import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** ServiceEntry (networking.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const serviceEntryKind = defineKind<Record<string, unknown>>({
  kind: 'ServiceEntry',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'serviceentries',
  shortNames: ['se'],
  namespaced: true,
  spec: any(),
});
