/** Severity of an analysis message, as istioctl names them. */
export type Level = 'Error' | 'Warning' | 'Info';

/** Levels from worst to mildest; the index is the sort order istioctl uses. */
export const LEVELS: readonly Level[] = ['Error', 'Warning', 'Info'];

/** True when `level` is as bad as `threshold` or worse (Error is worst). */
export function atLeast(level: Level, threshold: Level): boolean {
  return LEVELS.indexOf(level) <= LEVELS.indexOf(threshold);
}

/** Parses a level name case-insensitively (`error`, `WARNING`...); undefined when unknown. */
export function parseLevel(text: string): Level | undefined {
  return LEVELS.find((l) => l.toLowerCase() === text.toLowerCase());
}
