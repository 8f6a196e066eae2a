import { defineKind } from '../kind.js';
import { meshConfigSchema } from './schema.js';
import type { MeshConfig } from './types.js';
import { validateMeshConfig } from './validate.js';

/**
 * MeshConfig: not a Kubernetes kind. A bare mesh config file, or the `mesh` key of the
 * `istio` ConfigMap, is read as this pseudo-resource (see config/mesh-config-source.ts).
 */
export const meshConfigKind = defineKind<MeshConfig>({
  kind: 'MeshConfig',
  group: 'mesh.plexus.dev',
  versions: ['v1alpha1'],
  plural: 'meshconfigs',
  shortNames: [],
  namespaced: false,
  spec: meshConfigSchema,
  validate: validateMeshConfig,
});
