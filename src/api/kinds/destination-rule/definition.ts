import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** DestinationRule (networking.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const destinationRuleKind = defineKind<Record<string, unknown>>({
  kind: 'DestinationRule',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'destinationrules',
  shortNames: ['dr'],
  namespaced: true,
  spec: any(),
});
