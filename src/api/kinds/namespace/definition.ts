import { defineKind } from '../kind.js';
import { namespaceSchema } from './schema.js';
import type { NamespaceSpec } from './types.js';
import { validateNamespace } from './validate.js';

/** Namespace (core v1): its labels drive injection and discovery selectors. */
export const namespaceKind = defineKind<NamespaceSpec>({
  kind: 'Namespace',
  group: '',
  versions: ['v1'],
  plural: 'namespaces',
  shortNames: ['ns'],
  namespaced: false,
  spec: namespaceSchema,
  validate: validateNamespace,
});
