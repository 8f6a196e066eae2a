import { defineKind } from '../kind.js';
import { sidecarSchema } from './schema.js';
import type { SidecarSpec } from './types.js';
import { validateSidecar } from './validate.js';

/** Sidecar (networking.istio.io): what a workload's proxy listens on and can reach. */
export const sidecarKind = defineKind<SidecarSpec>({
  kind: 'Sidecar',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'sidecars',
  shortNames: [],
  namespaced: true,
  spec: sidecarSchema,
  validate: validateSidecar,
});
