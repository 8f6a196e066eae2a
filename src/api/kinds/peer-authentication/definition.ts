import { defineKind } from '../kind.js';
import { peerAuthenticationSchema } from './schema.js';
import type { PeerAuthenticationSpec } from './types.js';
import { validatePeerAuthentication } from './validate.js';

/** PeerAuthentication (security.istio.io): the mTLS mode workloads accept. */
export const peerAuthenticationKind = defineKind<PeerAuthenticationSpec>({
  kind: 'PeerAuthentication',
  group: 'security.istio.io',
  versions: ['v1', 'v1beta1'],
  plural: 'peerauthentications',
  shortNames: ['pa'],
  namespaced: true,
  spec: peerAuthenticationSchema,
  validate: validatePeerAuthentication,
});
