import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** Deployment (apps). Placeholder schema: accepts any spec until its rules land. */
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
