import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** EnvoyFilter (networking.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const envoyFilterKind = defineKind<Record<string, unknown>>({
  kind: 'EnvoyFilter',
  group: 'networking.istio.io',
  versions: ['v1alpha3'],
  plural: 'envoyfilters',
  shortNames: [],
  namespaced: true,
  spec: any(),
});
