import type { Reporter } from '../diagnostic.js';

/**
 * A small schema language for Istio's protobuf messages as they appear in YAML/JSON
 * (protojson rules: camelCase names, snake_case accepted, 64-bit integers may be strings).
 * It checks shapes and unknown fields only; semantic rules live in each kind's validator.
 */
export type Schema =
  | { kind: 'string'; enum?: readonly string[]; caseInsensitive?: boolean }
  | { kind: 'bool' }
  | { kind: 'int'; min?: number; max?: number }
  | { kind: 'number' }
  | { kind: 'list'; of: Schema }
  | { kind: 'map'; of: Schema }
  | { kind: 'message'; name: string; fields: () => Record<string, Schema>; oneofs?: readonly (readonly string[])[] }
  | { kind: 'any' };

export const str = (): Schema => ({ kind: 'string' });
/** A protobuf enum: one of the names (protojson also accepts the numbers). */
export const enumOf = (...values: string[]): Schema => ({ kind: 'string', enum: values });
export const bool = (): Schema => ({ kind: 'bool' });
export const int = (min?: number, max?: number): Schema => ({ kind: 'int', min, max });
export const uint32 = (): Schema => int(0, 4294967295);
export const int32 = (): Schema => int(-2147483648, 2147483647);
export const num = (): Schema => ({ kind: 'number' });
export const list = (of: Schema): Schema => ({ kind: 'list', of });
export const map = (of: Schema): Schema => ({ kind: 'map', of });
/** google.protobuf.Struct / Value / Any: free-form. */
export const any = (): Schema => ({ kind: 'any' });
/** A duration string (`1.5s`, `300ms`, `1h`); its range is checked by validators. */
export const duration = (): Schema => ({ kind: 'string' });
/** google.protobuf.UInt32Value and friends: the wrapped scalar, written bare in YAML. */
export const wrappedUint32 = uint32;
export const wrappedBool = bool;

/**
 * A message. `fields` is a thunk so messages can refer to each other (and themselves);
 * `oneofs` lists groups of which at most one field may be set.
 */
export function message(name: string, fields: () => Record<string, Schema>, oneofs?: readonly (readonly string[])[]): Schema {
  let cache: Record<string, Schema> | undefined;
  return { kind: 'message', name, fields: () => (cache ??= fields()), oneofs };
}

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'object' : typeof v);

const snakeToCamel = (s: string): string => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/**
 * Checks `value` against `schema`, reporting through `at`. snake_case keys of known fields
 * are renamed in place to their camelCase names so that validators see one spelling.
 * Returns false when the shape is wrong (callers then skip semantic checks on that value).
 */
export function checkSchema(value: unknown, schema: Schema, at: Reporter): boolean {
  if (value === null || value === undefined) return true; // protojson: null means unset
  switch (schema.kind) {
    case 'any':
      return true;
    case 'string':
      if (typeof value !== 'string') {
        if (schema.enum && typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < schema.enum.length) return true;
        at.error(`expected a string, got ${typeName(value)} ${JSON.stringify(value)}`);
        return false;
      }
      if (schema.enum && !schema.enum.includes(value)) {
        at.error(`unknown value ${JSON.stringify(value)}; expected one of ${schema.enum.join(', ')}`);
        return false;
      }
      return true;
    case 'bool':
      if (typeof value !== 'boolean') {
        at.error(`expected true or false, got ${typeName(value)} ${JSON.stringify(value)}`);
        return false;
      }
      return true;
    case 'int': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n)) {
        at.error(`expected an integer, got ${typeName(value)} ${JSON.stringify(value)}`);
        return false;
      }
      if ((schema.min !== undefined && n < schema.min) || (schema.max !== undefined && n > schema.max)) {
        at.error(`${n} is out of range [${schema.min ?? '-inf'}, ${schema.max ?? 'inf'}]`);
        return false;
      }
      return true;
    }
    case 'number':
      if (typeof value !== 'number' && !(typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))) {
        at.error(`expected a number, got ${typeName(value)} ${JSON.stringify(value)}`);
        return false;
      }
      return true;
    case 'list': {
      if (!Array.isArray(value)) {
        at.error(`expected a list, got ${typeName(value)}`);
        return false;
      }
      let ok = true;
      value.forEach((item, i) => {
        // The API server's structural schema has no nullable list items.
        if (item === null || item === undefined) {
          at.at(i).error('a list item must not be null');
          ok = false;
          return;
        }
        ok = checkSchema(item, schema.of, at.at(i)) && ok;
      });
      return ok;
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        at.error(`expected a map, got ${typeName(value)}`);
        return false;
      }
      let ok = true;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) ok = checkSchema(v, schema.of, at.at(k)) && ok;
      return ok;
    }
    case 'message':
      return checkMessage(value, schema, at);
  }
}

function checkMessage(value: unknown, schema: Extract<Schema, { kind: 'message' }>, at: Reporter): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    at.error(`expected an object (${schema.name}), got ${typeName(value)}`);
    return false;
  }
  const obj = value as Record<string, unknown>;
  const fields = schema.fields();
  let ok = true;
  for (const key of Object.keys(obj)) {
    let name = key;
    if (!(key in fields)) {
      const camel = snakeToCamel(key);
      if (camel !== key && camel in fields && !(camel in obj)) {
        obj[camel] = obj[key];
        delete obj[key];
        name = camel;
      } else {
        at.at(key).error(`unknown field ${JSON.stringify(key)} in ${schema.name}`);
        ok = false;
        continue;
      }
    }
    ok = checkSchema(obj[name], fields[name], at.at(name)) && ok;
  }
  for (const group of schema.oneofs ?? []) {
    const set = group.filter((f) => obj[f] !== undefined && obj[f] !== null);
    if (set.length > 1) {
      at.error(`only one of ${set.join(', ')} may be set`);
      ok = false;
    }
  }
  return ok;
}
