import { defineKind } from '../kind.js';
import { authorizationPolicySchema } from './schema.js';
import type { AuthorizationPolicySpec } from './types.js';
import { validateAuthorizationPolicy } from './validate.js';

/** AuthorizationPolicy (security.istio.io): access control on workloads. */
export const authorizationPolicyKind = defineKind<AuthorizationPolicySpec>({
  kind: 'AuthorizationPolicy',
  group: 'security.istio.io',
  versions: ['v1', 'v1beta1'],
  plural: 'authorizationpolicies',
  shortNames: ['ap'],
  namespaced: true,
  spec: authorizationPolicySchema,
  validate: validateAuthorizationPolicy,
});
