import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** Pod (core). Placeholder schema: accepts any spec until its rules land. */
export const podKind = defineKind<Record<string, unknown>>({
  kind: 'Pod',
  group: '',
  versions: ['v1'],
  plural: 'pods',
  shortNames: ['po'],
  namespaced: true,
  spec: any(),
  analysisOnly: true,
});
