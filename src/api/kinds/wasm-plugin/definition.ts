import { defineKind } from '../kind.js';
import { wasmPluginSchema } from './schema.js';
import type { WasmPluginSpec } from './types.js';
import { validateWasmPlugin } from './validate.js';

/** WasmPlugin (extensions.istio.io): WebAssembly filters added to the proxy. */
export const wasmPluginKind = defineKind<WasmPluginSpec>({
  kind: 'WasmPlugin',
  group: 'extensions.istio.io',
  versions: ['v1alpha1'],
  plural: 'wasmplugins',
  shortNames: [],
  namespaced: true,
  spec: wasmPluginSchema,
  validate: validateWasmPlugin,
});
