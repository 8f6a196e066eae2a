import type protobuf from 'protobufjs';
import { fieldIndex, messageTypeOf, typeName, type ProtoJsonPath } from '../../../shared/proto-json-check.js';

/** A filter (or other extension) configured by its name alone. */
export interface NameOnlyExtension {
  path: ProtoJsonPath;
  name: string;
}

/**
 * Istio's warning about extensions configured by name alone: a message that has a
 * `typed_config` field but sets neither it nor `config_discovery` (Envoy no longer looks
 * extensions up by name). Like Istio, it looks at the patched object and its singular
 * sub-messages, not into lists, maps or the contents of an `Any`.
 */
export function findNameOnlyExtensions(value: unknown, type: protobuf.Type, path: ProtoJsonPath = []): NameOnlyExtension[] {
  if (!isObject(value) || typeName(type).startsWith('google.protobuf.')) return [];
  const index = fieldIndex(type);
  const present = (name: string): boolean => {
    for (const [key, v] of Object.entries(value)) if (v !== null && v !== undefined && index.get(key)?.name === name) return true;
    return false;
  };
  const found: NameOnlyExtension[] = [];
  if (type.fields.typed_config && !present('typed_config') && !present('config_discovery')) {
    const name = Object.entries(value).find(([k]) => index.get(k)?.name === 'name')?.[1];
    found.push({ path, name: typeof name === 'string' ? name : '' });
  }
  for (const [key, v] of Object.entries(value)) {
    const field = index.get(key);
    if (!field || field.repeated || field.map || !isObject(v)) continue;
    const sub = messageTypeOf(field);
    if (sub) found.push(...findNameOnlyExtensions(v, sub, [...path, key]));
  }
  return found;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
