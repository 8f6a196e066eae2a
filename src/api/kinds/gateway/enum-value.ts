/**
 * The name of a protobuf enum value as written in YAML: protojson accepts either the name
 * or its number, so validators normalise through here. Unset fields give the zero value.
 */
export function enumName<T extends string>(value: unknown, names: readonly T[]): T {
  if (typeof value === 'number') return names[value] ?? names[0];
  if (typeof value === 'string' && (names as readonly string[]).includes(value)) return value as T;
  return names[0];
}

/** A protojson integer (number or decimal string); 0 when unset or malformed. */
export function intValue(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}
