import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** Namespace (core). Placeholder schema: accepts any spec until its rules land. */
export const namespaceKind = defineKind<Record<string, unknown>>({
  kind: 'Namespace',
  group: '',
  versions: ['v1'],
  plural: 'namespaces',
  shortNames: ['ns'],
  namespaced: false,
  spec: any(),
});
