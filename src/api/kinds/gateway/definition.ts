import { defineKind } from '../kind.js';
import { gatewaySchema } from './schema.js';
import type { GatewaySpec } from './types.js';
import { validateGateway } from './validate.js';

/** Gateway (networking.istio.io): listeners of an ingress or egress gateway. */
export const gatewayKind = defineKind<GatewaySpec>({
  kind: 'Gateway',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'gateways',
  shortNames: ['gw'],
  namespaced: true,
  spec: gatewaySchema,
  validate: validateGateway,
});
