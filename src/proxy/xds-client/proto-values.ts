import type { FieldPath } from './invalid-resource.js';
import type { ProtoJson } from './proto-root.js';

/**
 * Readers for decoded proto JSON: protobufjs leaves unset fields out, wraps scalars in
 * `{value}` messages, and writes 64-bit integers as strings. These helpers turn that into
 * plain TypeScript values and keep the translators short.
 */

/** The field as an object, or undefined. */
export function obj(v: unknown): ProtoJson | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as ProtoJson) : undefined;
}

/** The field as a list of objects (absent → empty). */
export function list(v: unknown): ProtoJson[] {
  return Array.isArray(v) ? (v as ProtoJson[]) : [];
}

/** The field as a list of strings (absent → empty). */
export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** A non-empty string, or undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A number from a number or a 64-bit string, or undefined. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** The value of a `google.protobuf.*Value` wrapper (UInt32Value, UInt64Value, DoubleValue). */
export function wrapped(v: unknown): number | undefined {
  const w = obj(v);
  return w ? (num(w.value) ?? 0) : undefined;
}

/** The value of a `google.protobuf.BoolValue`, or undefined when unset. */
export function wrappedBool(v: unknown): boolean | undefined {
  const w = obj(v);
  return w ? w.value === true : undefined;
}

/** A `google.protobuf.Duration` in milliseconds, or undefined when unset. */
export function durationMs(v: unknown, at?: FieldPath): number | undefined {
  const d = obj(v);
  if (!d) return undefined;
  const seconds = num(d.seconds) ?? 0;
  const nanos = num(d.nanos) ?? 0;
  if (seconds < 0 || nanos < 0) at?.fail('negative duration');
  return seconds * 1000 + Math.round(nanos / 1e6);
}

/** Envoy's `FractionalPercent` as a fraction 0..1. */
export function fractionOf(v: unknown): number | undefined {
  const f = obj(v);
  if (!f) return undefined;
  const denominators: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };
  const denominator = denominators[String(f.denominator ?? 'HUNDRED')] ?? 100;
  return Math.min(1, (num(f.numerator) ?? 0) / denominator);
}

/** Reads files named by a DataSource; replaceable in tests. */
export type FileReader = (path: string) => string;

/**
 * A `config.core.v3.DataSource` as text: inline string, inline bytes (base64 in the decoded
 * JSON) or a file, read now as Envoy does when it loads the config.
 */
export function dataSourceText(v: unknown, at: FieldPath, readFile: FileReader): string | undefined {
  const ds = obj(v);
  if (!ds) return undefined;
  if (typeof ds.inline_string === 'string') return ds.inline_string;
  if (typeof ds.inline_bytes === 'string') return Buffer.from(ds.inline_bytes, 'base64').toString('utf8');
  if (typeof ds.filename === 'string') {
    try {
      return readFile(ds.filename);
    } catch (err) {
      at.at('filename').fail(`cannot read ${ds.filename}: ${(err as Error).message}`);
    }
  }
  if (ds.environment_variable !== undefined) at.at('environment_variable').fail('environment variable data sources are not supported');
  return undefined;
}
