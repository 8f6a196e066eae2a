import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** Service (core). Placeholder schema: accepts any spec until its rules land. */
export const serviceKind = defineKind<Record<string, unknown>>({
  kind: 'Service',
  group: '',
  versions: ['v1'],
  plural: 'services',
  shortNames: ['svc'],
  namespaced: true,
  spec: any(),
});
