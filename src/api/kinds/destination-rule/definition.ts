import { defineKind } from '../kind.js';
import { destinationRuleSchema } from './schema.js';
import type { DestinationRuleSpec } from './types.js';
import { validateDestinationRule } from './validate.js';

/** DestinationRule (networking.istio.io): traffic policy applied after routing. */
export const destinationRuleKind = defineKind<DestinationRuleSpec>({
  kind: 'DestinationRule',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'destinationrules',
  shortNames: ['dr'],
  namespaced: true,
  spec: destinationRuleSchema,
  validate: validateDestinationRule,
});
