import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** WasmPlugin (extensions.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const wasmPluginKind = defineKind<Record<string, unknown>>({
  kind: 'WasmPlugin',
  group: 'extensions.istio.io',
  versions: ['v1alpha1'],
  plural: 'wasmplugins',
  shortNames: [],
  namespaced: true,
  spec: any(),
});
