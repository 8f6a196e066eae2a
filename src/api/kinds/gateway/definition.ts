import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** Gateway (networking.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const gatewayKind = defineKind<Record<string, unknown>>({
  kind: 'Gateway',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'gateways',
  shortNames: ['gw'],
  namespaced: true,
  spec: any(),
});
