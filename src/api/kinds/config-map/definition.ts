import { defineKind } from '../kind.js';
import { configMapTopLevel } from './schema.js';
import type { ConfigMapContent } from './types.js';
import { validateConfigMap } from './validate.js';

/** ConfigMap (core v1): Istio's mesh configuration lives in the `istio` ConfigMap's `mesh` key. */
export const configMapKind = defineKind<ConfigMapContent>({
  kind: 'ConfigMap',
  group: '',
  versions: ['v1'],
  plural: 'configmaps',
  shortNames: ['cm'],
  namespaced: true,
  topLevel: configMapTopLevel,
  validate: validateConfigMap,
});
