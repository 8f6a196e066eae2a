import { defineKind } from '../kind.js';
import { serviceEntrySchema } from './schema.js';
import type { ServiceEntrySpec } from './types.js';
import { validateServiceEntry } from './validate.js';

/** ServiceEntry (networking.istio.io): services added to the mesh's registry. */
export const serviceEntryKind = defineKind<ServiceEntrySpec>({
  kind: 'ServiceEntry',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'serviceentries',
  shortNames: ['se'],
  namespaced: true,
  spec: serviceEntrySchema,
  validate: validateServiceEntry,
});
