import { defineKind } from '../kind.js';
import { envoyFilterSchema } from './schema.js';
import type { EnvoyFilterSpec } from './types.js';
import { validateEnvoyFilter } from './validate.js';

/** EnvoyFilter (networking.istio.io): patches to the generated Envoy configuration. */
export const envoyFilterKind = defineKind<EnvoyFilterSpec>({
  kind: 'EnvoyFilter',
  group: 'networking.istio.io',
  versions: ['v1alpha3'],
  plural: 'envoyfilters',
  shortNames: [],
  namespaced: true,
  spec: envoyFilterSchema,
  validate: validateEnvoyFilter,
});
