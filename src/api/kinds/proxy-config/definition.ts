import { defineKind } from '../kind.js';
import { proxyConfigSchema } from './schema.js';
import type { ProxyConfigSpec } from './types.js';
import { validateProxyConfig } from './validate.js';

/** ProxyConfig (networking.istio.io): per-workload proxy settings. */
export const proxyConfigKind = defineKind<ProxyConfigSpec>({
  kind: 'ProxyConfig',
  group: 'networking.istio.io',
  versions: ['v1beta1'],
  plural: 'proxyconfigs',
  shortNames: [],
  namespaced: true,
  spec: proxyConfigSchema,
  validate: validateProxyConfig,
});
