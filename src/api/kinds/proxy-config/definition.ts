import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** ProxyConfig (networking.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const proxyConfigKind = defineKind<Record<string, unknown>>({
  kind: 'ProxyConfig',
  group: 'networking.istio.io',
  versions: ['v1beta1'],
  plural: 'proxyconfigs',
  shortNames: [],
  namespaced: true,
  spec: any(),
});
