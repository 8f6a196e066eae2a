import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** AuthorizationPolicy (security.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const authorizationPolicyKind = defineKind<Record<string, unknown>>({
  kind: 'AuthorizationPolicy',
  group: 'security.istio.io',
  versions: ['v1', 'v1beta1'],
  plural: 'authorizationpolicies',
  shortNames: ['ap'],
  namespaced: true,
  spec: any(),
});
