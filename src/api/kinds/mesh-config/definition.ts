import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** MeshConfig (mesh.plexus.dev). Placeholder schema: accepts any spec until its rules land. */
export const meshConfigKind = defineKind<Record<string, unknown>>({
  kind: 'MeshConfig',
  group: 'mesh.plexus.dev',
  versions: ['v1alpha1'],
  plural: 'meshconfigs',
  shortNames: [],
  namespaced: false,
  spec: any(),
});
