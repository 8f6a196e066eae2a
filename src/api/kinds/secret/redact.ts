import type { Resource } from '../../resource.js';

/** What a redacted value reads as (kubectl describe shows sizes; this keeps the key and says why). */
export const REDACTED = '[redacted]';

/** True for a core v1 Secret. */
export function isSecret(r: { apiVersion?: unknown; kind?: unknown } | undefined): boolean {
  return r?.kind === 'Secret' && r.apiVersion === 'v1';
}

function redactMap(map: unknown): unknown {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return map;
  return Object.fromEntries(Object.keys(map).map((k) => [k, REDACTED]));
}

/**
 * A copy of `r` whose Secret values (`data`, `stringData`) read `[redacted]`: keys stay, so a
 * user sees what a Secret holds without its material. Other kinds are returned as they are.
 */
export function redactSecret<T extends Resource<unknown>>(r: T): T {
  if (!isSecret(r)) return r;
  const out: Record<string, unknown> = { ...r };
  if ('data' in r) out.data = redactMap(r.data);
  if ('stringData' in r) out.stringData = redactMap(r.stringData);
  return out as T;
}

/** {@link redactSecret} over a list. */
export function redactSecrets<T extends Resource<unknown>>(items: readonly T[]): T[] {
  return items.map(redactSecret);
}
