/**
 * `google.protobuf.Struct` as protobufjs decodes it (`{fields: {k: {stringValue: …}}}`)
 * and back. Node metadata arrives in this shape; everything above the ADS layer works on
 * plain JSON.
 */

/** A JSON value as Struct can carry it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

type ProtoValue = Record<string, unknown>;

/** Struct → plain JSON object. Missing or malformed input gives `{}`. */
export function structToJson(struct: unknown): Record<string, JsonValue> {
  const fields = (struct as { fields?: Record<string, ProtoValue> } | null | undefined)?.fields;
  const out: Record<string, JsonValue> = {};
  if (!fields || typeof fields !== 'object') return out;
  for (const [k, v] of Object.entries(fields)) out[k] = valueToJson(v);
  return out;
}

// protobufjs's built-in google.protobuf types keep their camelCase names even with keepCase.
function valueToJson(v: ProtoValue | undefined): JsonValue {
  if (!v) return null;
  const kind = typeof v.kind === 'string' ? v.kind : Object.keys(v).find((k) => /Value$|_value$/.test(k) && v[k] !== undefined && v[k] !== null);
  switch (kind) {
    case 'stringValue': case 'string_value': return String(v[kind]);
    case 'numberValue': case 'number_value': return Number(v[kind]);
    case 'boolValue': case 'bool_value': return Boolean(v[kind]);
    case 'structValue': case 'struct_value': return structToJson(v[kind]);
    case 'listValue': case 'list_value': {
      const values = (v[kind] as { values?: ProtoValue[] } | undefined)?.values ?? [];
      return values.map(valueToJson);
    }
    default: return null;
  }
}

/** Plain JSON object → Struct, ready for protobufjs `fromObject`. */
export function jsonToStruct(obj: Record<string, unknown>): { fields: Record<string, ProtoValue> } {
  const fields: Record<string, ProtoValue> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v !== undefined) fields[k] = jsonToValue(v);
  }
  return { fields };
}

function jsonToValue(v: unknown): ProtoValue {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(jsonToValue) } };
  if (typeof v === 'object') return { structValue: jsonToStruct(v as Record<string, unknown>) };
  return { stringValue: String(v) };
}
