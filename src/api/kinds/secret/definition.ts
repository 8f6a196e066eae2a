import { defineKind } from '../kind.js';
import { bool, map, str } from '../../schema/schema.js';

/**
 * Secret (core v1): read only as input to analysis (gateway credentials), so only its
 * shape and metadata are checked; values are never logged.
 */
export const secretKind = defineKind<Record<string, unknown>>({
  kind: 'Secret',
  group: '',
  versions: ['v1'],
  plural: 'secrets',
  shortNames: [],
  namespaced: true,
  topLevel: { data: map(str()), stringData: map(str()), type: str(), immutable: bool() },
  analysisOnly: true,
});
