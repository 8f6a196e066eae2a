import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** VirtualService (networking.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const virtualServiceKind = defineKind<Record<string, unknown>>({
  kind: 'VirtualService',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'virtualservices',
  shortNames: ['vs'],
  namespaced: true,
  spec: any(),
});
