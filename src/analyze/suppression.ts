import { PlexusError } from '../api/errors.js';
import { fullName } from './entry.js';
import type { AnalysisMessage } from './message.js';

/** `--suppress CODE=Kind name`: drop one code on matching resources (`*` is a wildcard). */
export interface Suppression {
  code: string;
  /** `Kind name.namespace` or `Kind namespace/name`, with `*` wildcards. */
  resource: string;
}

/** Resource annotation listing codes (or `*`) to suppress on that resource, as Istio reads it. */
export const SUPPRESS_ANNOTATION = 'galley.istio.io/analyze-suppress';

/** Parses `IST0102=Namespace default`; throws a usage error when there is no single `=`. */
export function parseSuppression(text: string): Suppression {
  const parts = text.split('=');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new PlexusError('PLEXUS_ERR_USAGE', `${JSON.stringify(text)} is not a valid suppression; use CODE=Kind name (for example "IST0102=Namespace *")`);
  }
  return { code: parts[0].trim(), resource: parts[1].trim() };
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`);
}

/**
 * True when the message is suppressed by a flag or by its resource's annotation. Both of
 * istioctl's spellings of a resource match: `Kind name.namespace` and `Kind namespace/name`.
 */
export function isSuppressed(m: AnalysisMessage, suppressions: readonly Suppression[]): boolean {
  const e = m.entry;
  if (!e) return false;
  const anno = e.annotations[SUPPRESS_ANNOTATION];
  if (anno && anno.split(',').map((s) => s.trim()).some((c) => c === '*' || c === m.type.code)) return true;
  const names = [`${e.kind} ${fullName(e)}`, e.namespace ? `${e.kind} ${e.name}.${e.namespace}` : `${e.kind} ${e.name}`];
  return suppressions.some((s) => s.code === m.type.code && names.some((n) => globToRegExp(s.resource).test(n)));
}
