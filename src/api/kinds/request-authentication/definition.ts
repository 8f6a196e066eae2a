import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** RequestAuthentication (security.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const requestAuthenticationKind = defineKind<Record<string, unknown>>({
  kind: 'RequestAuthentication',
  group: 'security.istio.io',
  versions: ['v1', 'v1beta1'],
  plural: 'requestauthentications',
  shortNames: ['ra'],
  namespaced: true,
  spec: any(),
});
