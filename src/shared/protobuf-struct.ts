/**
 * `google.protobuf.Struct` ↔ plain JSON, shared by the controller and the proxy's xds-client.
 * protobufjs's built-in google.protobuf types keep camelCase field names (`stringValue`) even
 * when the Envoy protos are loaded with keepCase, so both spellings are read.
 */

/** A JSON value as a Struct can carry it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

type ProtoValue = Record<string, unknown>;

/** Struct → JSON object; malformed input gives `{}`. */
export function structToJson(struct: unknown): Record<string, JsonValue> {
  const fields = (struct as { fields?: Record<string, ProtoValue> } | null | undefined)?.fields;
  const out: Record<string, JsonValue> = {};
  if (!fields || typeof fields !== 'object') return out;
  for (const [k, v] of Object.entries(fields)) out[k] = valueToJson(v);
  return out;
}

function valueToJson(v: ProtoValue | undefined): JsonValue {
  if (!v || typeof v !== 'object') return null;
  if ('stringValue' in v || 'string_value' in v) return String(v.stringValue ?? v.string_value);
  if ('numberValue' in v || 'number_value' in v) return Number(v.numberValue ?? v.number_value);
  if ('boolValue' in v || 'bool_value' in v) return Boolean(v.boolValue ?? v.bool_value);
  if ('structValue' in v || 'struct_value' in v) return structToJson(v.structValue ?? v.struct_value);
  if ('listValue' in v || 'list_value' in v) {
    const list = (v.listValue ?? v.list_value) as { values?: ProtoValue[] } | undefined;
    return (list?.values ?? []).map(valueToJson);
  }
  return null;
}

/** JSON object → Struct, ready for protobufjs `fromObject`. */
export function jsonToStruct(obj: Readonly<Record<string, unknown>>): { fields: Record<string, ProtoValue> } {
  const fields: Record<string, ProtoValue> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) fields[k] = jsonToValue(v);
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

/**
 * Flattens a JSON object into dotted string keys (`istio.workload`), the shape the model's
 * endpoint metadata uses. Scalars become strings; lists are kept as JSON text.
 */
export function flattenJson(obj: Readonly<Record<string, JsonValue>>, prefix: string, out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flattenJson(v, key, out);
    else out[key] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}
