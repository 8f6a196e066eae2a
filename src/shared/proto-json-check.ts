import type protobuf from 'protobufjs';

/** A field path inside the checked value: field names, map keys and list indexes. */
export type ProtoJsonPath = readonly (string | number)[];

/** One thing wrong with a JSON value read as a protobuf message. */
export interface ProtoJsonProblem {
  severity: 'error' | 'warning';
  /** Set for the findings whose severity a caller may want to word or weigh differently. */
  code?: 'unknown-field' | 'oneof-conflict' | 'duplicate-field' | 'unchecked-type';
  /** Relative to the checked value; `['typed_config', '@type']`, `['http_filters', 1, 'name']`. */
  path: ProtoJsonPath;
  message: string;
}

/** What the type named by an `Any`'s `@type` turned out to be. */
export type AnyTypeResolution =
  | { readonly type: protobuf.Type }
  /** The type does not exist (or may not be used): an error at `@type`, content unchecked. */
  | { readonly error: string }
  /** The type exists but cannot be checked here: a warning at `@type`, content unchecked. */
  | { readonly unchecked: string };

/** How strict to be where readers of the JSON mapping differ. */
export interface ProtoJsonCheckOptions {
  /** Resolves the message name an `Any` carries (the part of `@type` after the last `/`). */
  resolveAny(typeName: string, typeUrl: string): AnyTypeResolution;
  /** Severity of a field the message does not have (default error, as protojson). */
  unknownFields?: 'error' | 'warning';
  /** Severity of two members of one oneof being set (default error, as protojson). */
  oneofConflicts?: 'error' | 'warning';
}

// Go's jsonpb (what Istio reads patch values with) handles these google.protobuf types itself;
// inside an Any they carry their content under "value".
const WELL_KNOWN_WITH_VALUE = new Set([
  'Any', 'Duration', 'Timestamp', 'Struct', 'Value', 'ListValue', 'Empty', 'NullValue',
  'DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue',
]);

const WRAPPED_KIND: Readonly<Record<string, string>> = {
  DoubleValue: 'double', FloatValue: 'float', Int64Value: 'int64', UInt64Value: 'uint64', Int32Value: 'int32',
  UInt32Value: 'uint32', BoolValue: 'bool', StringValue: 'string', BytesValue: 'bytes',
};

const INT_RANGE: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n], sint32: [-(2n ** 31n), 2n ** 31n - 1n], sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n], fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n], sint64: [-(2n ** 63n), 2n ** 63n - 1n], sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n], fixed64: [0n, 2n ** 64n - 1n],
};

const MAX_FLOAT32 = 3.4028234663852886e38;
const MAX_DEPTH = 100;
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const JSON_INTEGER = /^-?(0|[1-9]\d*)$/;
// Go's time.ParseDuration: a sign, then one or more decimal numbers each with a unit.
const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const DURATION_UNIT_NS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * Checks a JSON value (YAML already turned into plain data) against a protobuf message type the
 * way a strict reader of the proto3 JSON mapping would, and says where and why it does not fit.
 * Where readers differ it follows Go's jsonpb, the reader Istio converts EnvoyFilter patch
 * values with: fields by proto name or JSON name; 32- and 64-bit integers as numbers or decimal
 * strings; floats also as "NaN"/"Infinity"/"-Infinity"; enums by name or number; bytes as
 * padded standard base64; null anywhere meaning "unset"; durations in Go's syntax ("1.5s",
 * "300ms", "1m30s"); wrappers as the bare value; Struct/Value/ListValue as any JSON of the right
 * shape; FieldMask as `{paths: [...]}` (jsonpb has no string form for it); an `Any` as `@type`
 * plus the fields of that type, or plus `value` for the well-known types.
 * protoc-gen-validate rules are not checked.
 */
export function checkProtoJson(value: unknown, type: protobuf.Type, options: ProtoJsonCheckOptions): ProtoJsonProblem[] {
  const checker = new Checker(options);
  checker.message(value, type, [], 0);
  return checker.problems;
}

/** The name the proto3 JSON mapping gives a field: `json_name` if set, else lowerCamelCase of the proto name. */
export function jsonNameOf(field: protobuf.Field): string {
  const explicit = field.options?.json_name;
  if (typeof explicit === 'string') return explicit;
  // protoc's rule: drop each underscore and upper-case the character after it.
  let out = '';
  let upper = false;
  for (const c of field.name) {
    if (c === '_') upper = true;
    else {
      out += upper ? c.toUpperCase() : c;
      upper = false;
    }
  }
  return out;
}

/** A message type's fields by proto name and by JSON name. */
export function fieldIndex(type: protobuf.Type): ReadonlyMap<string, protobuf.Field> {
  let index = INDEXES.get(type);
  if (!index) {
    const built = new Map<string, protobuf.Field>();
    for (const f of type.fieldsArray) built.set(f.name, f);
    for (const f of type.fieldsArray) if (!built.has(jsonNameOf(f))) built.set(jsonNameOf(f), f);
    INDEXES.set(type, built);
    index = built;
  }
  return index;
}

const INDEXES = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

/** `envoy.config.cluster.v3.Cluster` rather than protobufjs's `.envoy.config.cluster.v3.Cluster`. */
export function typeName(t: protobuf.ReflectionObject): string {
  return t.fullName.replace(/^\./, '');
}

class Checker {
  readonly problems: ProtoJsonProblem[] = [];

  constructor(private readonly options: ProtoJsonCheckOptions) {}

  private error(path: ProtoJsonPath, message: string): void {
    this.problems.push({ severity: 'error', path, message });
  }

  message(value: unknown, type: protobuf.Type, path: ProtoJsonPath, depth: number): void {
    if (value === null) return;
    if (depth > MAX_DEPTH) return this.error(path, `nested more than ${MAX_DEPTH} messages deep`);
    const name = typeName(type);
    if (name.startsWith('google.protobuf.') && this.wellKnown(value, name.slice('google.protobuf.'.length), path, depth)) return;
    if (!isObject(value)) return this.error(path, `expected an object (${name}), got ${describe(value)}`);
    this.fields(value, type, path, depth, new Set());
  }

  /** The well-known types with a JSON form of their own; false for the ones read as plain messages. */
  private wellKnown(value: unknown, short: string, path: ProtoJsonPath, depth: number): boolean {
    const wrapped = WRAPPED_KIND[short];
    if (wrapped) {
      this.scalar(value, wrapped, path, `the bare value of a google.protobuf.${short}`);
      return true;
    }
    switch (short) {
      case 'Any':
        this.any(value, path, depth);
        return true;
      case 'Duration':
        this.duration(value, path);
        return true;
      case 'Timestamp':
        this.timestamp(value, path);
        return true;
      case 'Struct':
        if (!isObject(value)) this.error(path, `expected an object (google.protobuf.Struct), got ${describe(value)}`);
        return true;
      case 'ListValue':
        if (!Array.isArray(value)) this.error(path, `expected a list (google.protobuf.ListValue), got ${describe(value)}`);
        return true;
      case 'Value':
        return true;
      case 'FieldMask':
        if (typeof value === 'string') {
          this.error(path, `expected an object {paths: [...]} (google.protobuf.FieldMask), got a string; Go's jsonpb, which Istio reads patch values with, has no string form for it`);
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  private fields(obj: Record<string, unknown>, type: protobuf.Type, path: ProtoJsonPath, depth: number, skip: ReadonlySet<string>): void {
    const index = fieldIndex(type);
    const keysOf = new Map<protobuf.Field, string[]>();
    for (const key of Object.keys(obj)) {
      if (skip.has(key)) continue;
      const field = index.get(key);
      if (field) keysOf.set(field, [...(keysOf.get(field) ?? []), key]);
      else this.unknownField(key, type, [...path, key]);
    }
    const set = new Map<protobuf.Field, string>();
    for (const [field, keys] of keysOf) {
      let key = keys[0];
      if (keys.length > 1) {
        // Both spellings of one field: jsonpb reads the proto name, then lets the JSON name overwrite it.
        key = keys.find((k) => k !== field.name) ?? key;
        const dropped = keys.find((k) => k !== key) as string;
        this.problems.push({ severity: 'warning', code: 'duplicate-field', path: [...path, dropped], message: `"${dropped}" and "${key}" are the same field; "${dropped}" is ignored` });
      }
      const v = obj[key];
      if (v === null || v === undefined) continue;
      set.set(field, key);
      this.field(v, field, [...path, key], depth);
    }
    this.oneofs(type, set, path);
  }

  private unknownField(key: string, type: protobuf.Type, path: ProtoJsonPath): void {
    const hint = suggestField(key, type);
    this.problems.push({
      severity: this.options.unknownFields ?? 'error',
      code: 'unknown-field',
      path,
      message: `unknown field "${key}" in ${typeName(type)}${hint ? `; did you mean "${hint}"?` : ''}`,
    });
  }

  private oneofs(type: protobuf.Type, set: ReadonlyMap<protobuf.Field, string>, path: ProtoJsonPath): void {
    for (const oneof of type.oneofsArray) {
      // proto3 `optional` fields sit alone in a synthetic oneof; only real ones can conflict.
      if (oneof.fieldsArray.length < 2) continue;
      const members = oneof.fieldsArray.filter((f) => set.has(f));
      if (members.length < 2) continue;
      const keys = members.map((f) => set.get(f) as string);
      const last = keys[keys.length - 1];
      this.problems.push({
        severity: this.options.oneofConflicts ?? 'error',
        code: 'oneof-conflict',
        path: [...path, last],
        message: `only one of ${oneof.fieldsArray.map((f) => f.name).join(', ')} may be set (oneof ${oneof.name}), but ${keys.map((k) => `"${k}"`).join(' and ')} are; only "${last}", declared last, takes effect`,
      });
    }
  }

  private field(v: unknown, field: protobuf.Field, path: ProtoJsonPath, depth: number): void {
    const resolved = resolvedTypeOf(field);
    const keyType = mapKeyType(field);
    if (keyType !== undefined) {
      if (!isObject(v)) return this.error(path, `expected an object (map<${keyType}, ${resolved ? typeName(resolved) : field.type}> ${fieldName(field)}), got ${describe(v)}`);
      for (const [k, item] of Object.entries(v)) {
        this.mapKey(k, keyType, [...path, k]);
        if (item !== null) this.singular(item, field, resolved, [...path, k], depth);
      }
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(v)) return this.error(path, `expected a list (repeated ${resolved ? typeName(resolved) : field.type} ${fieldName(field)}), got ${describe(v)}`);
      v.forEach((item, i) => {
        if (item !== null) this.singular(item, field, resolved, [...path, i], depth);
      });
      return;
    }
    this.singular(v, field, resolved, path, depth);
  }

  private singular(v: unknown, field: protobuf.Field, resolved: protobuf.Type | protobuf.Enum | null, path: ProtoJsonPath, depth: number): void {
    if (isMessageType(resolved)) return this.message(v, resolved, path, depth + 1);
    if (resolved) return this.enumValue(v, resolved, path);
    this.scalar(v, field.type, path, fieldName(field));
  }

  private mapKey(key: string, keyType: string, path: ProtoJsonPath): void {
    if (keyType === 'string') return;
    if (keyType === 'bool') {
      if (key !== 'true' && key !== 'false') this.error(path, `expected a bool map key ("true" or "false"), got ${JSON.stringify(key)}`);
      return;
    }
    const why = intProblem(key, keyType);
    if (why) this.error(path, `invalid ${keyType} map key ${JSON.stringify(key)}: ${why}`);
  }

  private enumValue(v: unknown, e: protobuf.Enum, path: ProtoJsonPath): void {
    if (typeof v === 'string') {
      if (Object.prototype.hasOwnProperty.call(e.values, v)) return;
      return this.error(path, `unknown value ${JSON.stringify(v)} for enum ${typeName(e)}; expected one of ${listNames(Object.keys(e.values))}`);
    }
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return;
      return this.error(path, `invalid number ${v} for enum ${typeName(e)}: expected a value name or a 32-bit whole number`);
    }
    this.error(path, `expected a value of enum ${typeName(e)} (${listNames(Object.keys(e.values))}), got ${describe(v)}`);
  }

  /** A scalar of protobuf type `kind`; `what` names the field in messages. */
  private scalar(v: unknown, kind: string, path: ProtoJsonPath, what: string): void {
    if (v === null) return;
    switch (kind) {
      case 'bool':
        if (typeof v !== 'boolean') this.error(path, `expected true or false (${what}), got ${describe(v)}`);
        return;
      case 'string':
        if (typeof v !== 'string') this.error(path, `expected a string (${what}), got ${describe(v)}`);
        return;
      case 'bytes':
        if (typeof v !== 'string') this.error(path, `expected a base64 string (${what}), got ${describe(v)}`);
        else if (!isStdBase64(v)) this.error(path, `invalid base64 in ${JSON.stringify(abbreviate(v))}: bytes are written in standard base64 with padding`);
        return;
      case 'double':
      case 'float': {
        const why = floatProblem(v, kind);
        if (why) this.error(path, `expected a ${kind} (${what}): ${why}`);
        return;
      }
      default: {
        if (!INT_RANGE[kind]) return;
        if (typeof v !== 'number' && typeof v !== 'string') return this.error(path, `expected ${article(kind)} ${kind} (${what}) as a whole number or a decimal string, got ${describe(v)}`);
        const why = intProblem(v, kind);
        if (why) this.error(path, `expected ${article(kind)} ${kind} (${what}): ${why}`);
      }
    }
  }

  private any(value: unknown, path: ProtoJsonPath, depth: number): void {
    if (!isObject(value)) return this.error(path, `expected an object with "@type" (google.protobuf.Any), got ${describe(value)}`);
    const url = value['@type'];
    if (url === undefined) return this.error(path, 'an Any needs "@type" naming the message it holds (type.googleapis.com/<full message name>)');
    if (typeof url !== 'string') return this.error([...path, '@type'], `expected a type URL string, got ${describe(url)}`);
    const name = url.slice(url.lastIndexOf('/') + 1);
    if (name === '') return this.error([...path, '@type'], `type URL ${JSON.stringify(url)} names no message`);
    const resolution = this.options.resolveAny(name, url);
    if ('error' in resolution) return this.error([...path, '@type'], resolution.error);
    if ('unchecked' in resolution) {
      this.problems.push({ severity: 'warning', code: 'unchecked-type', path: [...path, '@type'], message: resolution.unchecked });
      return;
    }
    const inner = resolution.type;
    const innerName = typeName(inner);
    if (innerName.startsWith('google.protobuf.') && WELL_KNOWN_WITH_VALUE.has(innerName.slice('google.protobuf.'.length))) {
      if (!('value' in value)) return this.error(path, `an Any holding ${innerName} carries it in "value"`);
      return this.message(value.value, inner, [...path, 'value'], depth + 1);
    }
    this.fields(value, inner, path, depth + 1, AT_TYPE);
  }

  private duration(v: unknown, path: ProtoJsonPath): void {
    if (typeof v !== 'string') return this.error(path, `expected a duration string such as "1.5s" or "300ms" (google.protobuf.Duration), got ${describe(v)}`);
    if (!GO_DURATION.test(v) && v !== '0' && v !== '-0' && v !== '+0') {
      return this.error(path, `invalid duration ${JSON.stringify(v)}: expected a number with a unit (ns, us, ms, s, m, h), such as "1.5s", "300ms" or "1m30s"`);
    }
    let ns = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) ns += Number(m[1]) * DURATION_UNIT_NS[m[2]];
    // Go's time.Duration is int64 nanoseconds (about 292 years).
    if (ns > 9.223372036854775e18) this.error(path, `duration ${JSON.stringify(v)} is out of range (at most about 292 years)`);
  }

  private timestamp(v: unknown, path: ProtoJsonPath): void {
    const bad = `expected an RFC 3339 timestamp such as "2024-05-01T12:00:00Z" (google.protobuf.Timestamp), got ${describe(v)}`;
    if (typeof v !== 'string') return this.error(path, bad);
    const m = RFC3339.exec(v);
    if (!m) return this.error(path, bad);
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
    const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const offsetOk = m[9] === undefined || (Number(m[9]) < 24 && Number(m[10]) < 60);
    if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59 || !offsetOk) this.error(path, bad);
  }
}

const AT_TYPE: ReadonlySet<string> = new Set(['@type']);

function resolvedTypeOf(field: protobuf.Field): protobuf.Type | protobuf.Enum | null {
  if (!field.resolved) field.resolve();
  return field.resolvedType;
}

// Shape tests rather than instanceof, so that this module never has to load protobufjs itself.

/** Whether a field's resolved type is a message (not an enum, not a scalar). */
export function isMessageType(t: protobuf.Type | protobuf.Enum | null | undefined): t is protobuf.Type {
  return typeof t === 'object' && t !== null && 'fieldsArray' in t;
}

/** The key type of a map field; undefined for other fields. */
function mapKeyType(field: protobuf.Field): string | undefined {
  const keyType = (field as unknown as { keyType?: unknown }).keyType;
  return field.map && typeof keyType === 'string' ? keyType : undefined;
}

/** The message type of a field, resolving it first; undefined for scalars and enums. */
export function messageTypeOf(field: protobuf.Field): protobuf.Type | undefined {
  const t = resolvedTypeOf(field);
  return isMessageType(t) ? t : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Why `v` is not an integer of protobuf type `kind`, or undefined when it is one. */
function intProblem(v: number | string, kind: string): string | undefined {
  const [min, max] = INT_RANGE[kind];
  let n: bigint;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || !Number.isInteger(v)) return `got ${describe(v)}, which is not a whole number`;
    n = BigInt(v);
  } else {
    const s = v.trim();
    if (!JSON_INTEGER.test(s)) return `got ${describe(v)}, which is not a decimal whole number`;
    n = BigInt(s);
  }
  if (n < min || n > max) return `${typeof v === 'string' ? v.trim() : v} is out of range [${min}, ${max}]`;
  return undefined;
}

/** Why `v` is not a float or double, or undefined when it is one. */
function floatProblem(v: unknown, kind: 'float' | 'double'): string | undefined {
  let n: number;
  if (typeof v === 'number') {
    // Non-finite numbers travel as "NaN"/"Infinity", which a float field accepts.
    if (!Number.isFinite(v)) return undefined;
    n = v;
  } else if (typeof v === 'string') {
    if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return undefined;
    if (!JSON_NUMBER.test(v.trim())) return `got ${describe(v)}, which is not a number`;
    n = Number(v.trim());
    if (!Number.isFinite(n)) return `${v} is out of range`;
  } else {
    return `got ${describe(v)}`;
  }
  if (kind === 'float' && Math.abs(n) > MAX_FLOAT32) return `${n} is out of range for a 32-bit float`;
  return undefined;
}

function isStdBase64(s: string): boolean {
  const t = s.replace(/[\r\n]/g, '');
  return t.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(t);
}

/** The closest field name to a misspelt key, when one is close enough to be a likely typo. */
function suggestField(key: string, type: protobuf.Type): string | undefined {
  const squash = (s: string): string => s.replace(/[_-]/g, '').toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const f of type.fieldsArray) {
    if (squash(f.name) === squash(key)) return f.name;
    const d = editDistance(key.toLowerCase(), f.name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [f.name, d];
  }
  return bestDistance <= Math.min(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_v, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

function listNames(names: readonly string[]): string {
  return names.length <= 12 ? names.join(', ') : `${names.slice(0, 12).join(', ')}, … (${names.length} values)`;
}

function article(kind: string): string {
  return kind.startsWith('int') ? 'an' : 'a';
}

/** `envoy.config.listener.v3.Filter.name`. */
function fieldName(field: protobuf.Field): string {
  return field.parent ? `${typeName(field.parent)}.${field.name}` : field.name;
}

function abbreviate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** `a number (1.5)`, `a string ("x")`, `a list`, `an object`, `true`. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'number':
      return `a number (${v})`;
    case 'string':
      return `a string (${JSON.stringify(abbreviate(v))})`;
    case 'boolean':
      return String(v);
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}
