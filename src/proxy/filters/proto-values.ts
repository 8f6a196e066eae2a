/**
 * Readers for filter configs as the xds-client hands them over: decoded protos as plain
 * objects. Field names may be camelCase (protobufjs) or snake_case (proto JSON / tests), and
 * well-known types come either decoded or in their JSON form, so every reader accepts both.
 */

/** A field by its camelCase or snake_case name. */
export function field(obj: unknown, camel: string): unknown {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const rec = obj as Record<string, unknown>;
  if (rec[camel] !== undefined) return rec[camel];
  return rec[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

/** True for a plain object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A number from a number, numeric string, Long-like or wrapper `{value}`. */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  if (typeof v === 'bigint') return Number(v);
  if (isObject(v)) {
    if ('value' in v) return toNumber(v['value']);
    if (typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  }
  return undefined;
}

/** A boolean from a boolean or `BoolValue`. */
export function toBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (isObject(v) && typeof v['value'] === 'boolean') return v['value'];
  return undefined;
}

/** A string from a string or `StringValue`. */
export function toStr(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v['value'] === 'string') return v['value'];
  return undefined;
}

/** A Duration (`{seconds, nanos}` or `"1.5s"`) in ms. */
export function durationMs(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') {
    const m = /^(-?\d+(?:\.\d+)?)s$/.exec(v.trim());
    return m ? Math.round(Number(m[1]) * 1000) : undefined;
  }
  if (isObject(v)) {
    const seconds = toNumber(v['seconds']) ?? 0;
    const nanos = toNumber(v['nanos']) ?? 0;
    return Math.round(seconds * 1000 + nanos / 1e6);
  }
  return undefined;
}

const DENOMINATORS: Readonly<Record<string, number>> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000, '0': 100, '1': 10_000, '2': 1_000_000 };

/**
 * A FractionalPercent (`{numerator, denominator}`), or a plain Percent (`{value}` 0..100),
 * as a fraction 0..1. Absent means `fallback`.
 */
export function fraction(v: unknown, fallback: number): number {
  if (!isObject(v)) return fallback;
  if ('numerator' in v || 'denominator' in v) {
    const num = toNumber(v['numerator']) ?? 0;
    const den = DENOMINATORS[String(v['denominator'] ?? 'HUNDRED')] ?? 100;
    return Math.min(1, Math.max(0, num / den));
  }
  const value = toNumber(v['value']);
  return value === undefined ? fallback : Math.min(1, Math.max(0, value / 100));
}

/** Unwraps a `google.protobuf.Any` given as `{ '@type', ...fields }` or `{ typeUrl, value }`. */
export function unwrapAny(v: unknown): unknown {
  if (isObject(v) && isObject(v['value']) && (typeof v['typeUrl'] === 'string' || typeof v['type_url'] === 'string')) return v['value'];
  return v;
}
