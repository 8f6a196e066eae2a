import { defineKind } from '../kind.js';
import { virtualServiceSchema } from './schema.js';
import type { VirtualServiceSpec } from './types.js';
import { validateVirtualService } from './validate.js';

/** VirtualService (networking.istio.io): routing rules for a set of hosts. */
export const virtualServiceKind = defineKind<VirtualServiceSpec>({
  kind: 'VirtualService',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'virtualservices',
  shortNames: ['vs'],
  namespaced: true,
  spec: virtualServiceSchema,
  validate: validateVirtualService,
});
