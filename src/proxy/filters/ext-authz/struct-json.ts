import { isObject } from '../proto-values.js';

/**
 * `google.protobuf.Struct` ⇄ plain JSON for protobufjs objects. protobufjs has no JSON mapping
 * for Struct, so the check request's metadata_context and the response's dynamic_metadata go
 * through these. `Value`'s field names depend on how the root was loaded: protobufjs's built-in
 * struct.proto spells them camelCase even under keepCase, a .proto file read from disk keeps
 * `string_value`; writers take the spelling, readers accept both.
 */
export function toStruct(obj: Record<string, unknown>, snakeCase = false): { fields: Record<string, unknown> } {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const value = toValue(v, snakeCase);
    if (value !== undefined) fields[k] = value;
  }
  return { fields };
}

function toValue(v: unknown, snake: boolean): Record<string, unknown> | undefined {
  const one = (camelName: string, value: unknown): Record<string, unknown> => ({ [snake ? camelName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : camelName]: value });
  if (v === null) return one('nullValue', 0);
  switch (typeof v) {
    case 'string':
      return one('stringValue', v);
    case 'number':
      return one('numberValue', v);
    case 'boolean':
      return one('boolValue', v);
    case 'bigint':
      return one('numberValue', Number(v));
    case 'object':
      if (Array.isArray(v)) return one('listValue', { values: v.map((x) => toValue(x, snake) ?? one('nullValue', 0)) });
      return one('structValue', toStruct(v as Record<string, unknown>, snake));
    default:
      return undefined;
  }
}

/** A decoded Struct (as protobufjs `toObject` gives it) back to plain JSON. */
export function fromStruct(struct: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields = isObject(struct) ? struct['fields'] : undefined;
  if (!isObject(fields)) return out;
  for (const [k, v] of Object.entries(fields)) out[k] = fromValue(v);
  return out;
}

function fromValue(v: unknown): unknown {
  if (!isObject(v)) return null;
  const pick = (camelName: string): unknown => v[camelName] ?? v[camelName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
  for (const scalar of ['stringValue', 'numberValue', 'boolValue']) {
    const x = pick(scalar);
    if (x !== undefined) return x;
  }
  const struct = pick('structValue');
  if (struct !== undefined) return fromStruct(struct);
  const list = pick('listValue');
  if (list !== undefined) {
    const values = isObject(list) ? list['values'] : undefined;
    return Array.isArray(values) ? values.map(fromValue) : [];
  }
  return null;
}
