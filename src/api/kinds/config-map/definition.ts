import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** ConfigMap (core). Placeholder schema: accepts any spec until its rules land. */
export const configMapKind = defineKind<Record<string, unknown>>({
  kind: 'ConfigMap',
  group: '',
  versions: ['v1'],
  plural: 'configmaps',
  shortNames: ['cm'],
  namespaced: true,
  spec: any(),
});
