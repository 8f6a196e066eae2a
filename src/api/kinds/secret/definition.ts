import { defineKind } from '../kind.js';
import { bool, map, str } from '../../schema/schema.js';
import type { SecretContent } from './types.js';
import { validateSecret } from './validate.js';

/**
 * Secret (core v1): TLS credentials gateways and DestinationRules name by `credentialName`,
 * served over SDS as `kubernetes://NAME`. Values are never logged nor echoed in messages.
 */
export const secretKind = defineKind<SecretContent>({
  kind: 'Secret',
  group: '',
  versions: ['v1'],
  plural: 'secrets',
  shortNames: [],
  namespaced: true,
  topLevel: { data: map(str()), stringData: map(str()), type: str(), immutable: bool() },
  validate: validateSecret,
});
