import { bool, map, str, type Schema } from '../../schema/schema.js';

/** Top-level fields of a ConfigMap. */
export const configMapTopLevel: Readonly<Record<string, Schema>> = {
  data: map(str()),
  binaryData: map(str()),
  immutable: bool(),
};
