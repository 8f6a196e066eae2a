import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** Deployment (apps/v1): read only as input to analysis, so only its metadata is checked. */
export const deploymentKind = defineKind<Record<string, unknown>>({
  kind: 'Deployment',
  group: 'apps',
  versions: ['v1'],
  plural: 'deployments',
  shortNames: ['deploy'],
  namespaced: true,
  spec: any(),
  analysisOnly: true,
});
