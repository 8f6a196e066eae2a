import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** Pod (core v1): read only as input to analysis, so only its metadata is checked. */
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
