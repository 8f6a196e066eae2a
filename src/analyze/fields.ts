// Analyzers read specs that may not have passed validation; these accessors never throw.

/** The value as a plain object, or undefined. */
export function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The value as an array, or []. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The value as a string, or undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The value as a number, or undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The strings of an array value, skipping anything else. */
export function strings(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === 'string');
}

/** A string map (labels, selectors); non-string values are kept as their text. */
export function stringMap(v: unknown): Record<string, string> {
  const o = obj(v);
  if (!o) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) if (x !== undefined && x !== null) out[k] = String(x);
  return out;
}

/** Quotes a value the way messages show references (`"reviews"`). */
export function q(v: string): string {
  return JSON.stringify(v);
}
