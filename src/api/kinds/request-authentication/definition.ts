import { defineKind } from '../kind.js';
import { requestAuthenticationSchema } from './schema.js';
import type { RequestAuthenticationSpec } from './types.js';
import { validateRequestAuthentication } from './validate.js';

/** RequestAuthentication (security.istio.io): the JWTs a workload accepts. */
export const requestAuthenticationKind = defineKind<RequestAuthenticationSpec>({
  kind: 'RequestAuthentication',
  group: 'security.istio.io',
  versions: ['v1', 'v1beta1'],
  plural: 'requestauthentications',
  shortNames: ['ra'],
  namespaced: true,
  spec: requestAuthenticationSchema,
  validate: validateRequestAuthentication,
});
