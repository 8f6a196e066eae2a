import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** Secret (core). Placeholder schema: accepts any spec until its rules land. */
export const secretKind = defineKind<Record<string, unknown>>({
  kind: 'Secret',
  group: '',
  versions: ['v1'],
  plural: 'secrets',
  shortNames: [],
  namespaced: true,
  spec: any(),
  analysisOnly: true,
});
