import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** PeerAuthentication (security.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const peerAuthenticationKind = defineKind<Record<string, unknown>>({
  kind: 'PeerAuthentication',
  group: 'security.istio.io',
  versions: ['v1', 'v1beta1'],
  plural: 'peerauthentications',
  shortNames: ['pa'],
  namespaced: true,
  spec: any(),
});
