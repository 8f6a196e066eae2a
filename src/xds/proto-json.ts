import protobuf from 'protobufjs';
import { protoRoot } from './protos.js';
import { structToJson } from './struct.js';
import { TYPE_PREFIX, typeNameOf } from './type-urls.js';

/** A JSON object as Envoy's admin API prints config (`@type` on every `Any`). */
export type JsonObject = Record<string, unknown>;

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => `.google.protobuf.${n}`));

function scalar(type: string, v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (LONG_TYPES.has(type)) return String(v);
  return v;
}

function durationText(d: { seconds?: unknown; nanos?: unknown }): string {
  const total = Number(d.seconds ?? 0) + Number(d.nanos ?? 0) / 1e9;
  return `${Number(total.toFixed(9))}s`;
}

/** An `Any` as protojson prints it: `@type` plus the unpacked fields (raw base64 when the type is unknown). */
export function anyToJson(any: { type_url?: unknown; value?: unknown }): JsonObject {
  const url = String(any.type_url ?? '');
  const bytes = any.value instanceof Uint8Array ? any.value : new Uint8Array();
  let type: protobuf.Type | undefined;
  try {
    type = protoRoot().lookupType(typeNameOf(url));
  } catch {
    type = undefined;
  }
  if (!type) return { '@type': url, value: Buffer.from(bytes).toString('base64') };
  return { '@type': url, ...messageToJson(type, type.decode(bytes)) };
}

function valueToJson(field: protobuf.Field, v: unknown): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) return typeof v === 'number' ? (rt.valuesById[v] ?? v) : v;
  if (!(rt instanceof protobuf.Type)) return scalar(field.type, v);
  const msg = v as Record<string, unknown>;
  switch (rt.fullName) {
    case '.google.protobuf.Any': return anyToJson(msg);
    case '.google.protobuf.Duration': return durationText(msg);
    case '.google.protobuf.Timestamp': return new Date(Number(msg.seconds ?? 0) * 1000 + Math.floor(Number(msg.nanos ?? 0) / 1e6)).toISOString();
    case '.google.protobuf.Struct': return structToJson(msg);
    default:
      if (WRAPPERS.has(rt.fullName)) return scalar(rt.fields.value!.type, msg.value ?? rt.fields.value!.defaultValue);
      return messageToJson(rt, msg);
  }
}

/**
 * A decoded message as proto3 JSON with the proto field names (snake_case, as Envoy's
 * `/config_dump` prints them): `Any` unpacked with `@type`, durations as `"5s"`, wrappers
 * as bare values, 64-bit integers as strings, enums by name. Fields left at their default
 * are omitted.
 */
export function messageToJson(type: protobuf.Type, message: object): JsonObject {
  const out: JsonObject = {};
  const m = message as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    field.resolve();
    if (!Object.prototype.hasOwnProperty.call(m, field.name)) continue;
    const v = m[field.name];
    if (v === undefined || v === null) continue;
    if (field.map) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length > 0) out[field.name] = Object.fromEntries(entries.map(([k, item]) => [k, valueToJson(field, item)]));
    } else if (field.repeated) {
      if ((v as unknown[]).length > 0) out[field.name] = (v as unknown[]).map((item) => valueToJson(field, item));
    } else {
      out[field.name] = valueToJson(field, v);
    }
  }
  return out;
}

/** A packed resource (`type_url` + bytes) as Envoy's JSON, with its `@type`. */
export function packedToJson(packed: { type_url: string; value: Uint8Array }): JsonObject {
  return anyToJson(packed);
}

/** Envoy's type URL for an admin config dump message (`envoy.admin.v3.ClustersConfigDump`). */
export function adminTypeUrl(name: string): string {
  return `${TYPE_PREFIX}envoy.admin.v3.${name}`;
}
