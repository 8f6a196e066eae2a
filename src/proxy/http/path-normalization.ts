/**
 * Envoy's request-path hygiene in the connection manager (`normalize_path`, `merge_slashes`,
 * `path_with_escaped_slashes_action`), applied before routing and the HTTP filters so that
 * routes, RBAC and the upstream all see the same path. Only the path part changes; the query
 * string is kept byte for byte.
 */

/** `path_with_escaped_slashes_action` (IMPLEMENTATION_SPECIFIC_DEFAULT is translated to KEEP_UNCHANGED). */
export type EscapedSlashesAction = 'KEEP_UNCHANGED' | 'REJECT_REQUEST' | 'UNESCAPE_AND_REDIRECT' | 'UNESCAPE_AND_FORWARD';

/** What a connection manager does to request paths. */
export interface PathNormalization {
  /** RFC 3986 normalisation: decode unreserved escapes, `\` → `/`, resolve `.` and `..`. */
  readonly normalizePath: boolean;
  /** Collapse runs of `/` into one. */
  readonly mergeSlashes: boolean;
  /** What to do with `%2F`, `%5C` (any case) in the path. */
  readonly escapedSlashesAction: EscapedSlashesAction;
}

/** The verdict on one path. */
export type PathVerdict =
  | { readonly action: 'continue'; readonly path: string }
  | { readonly action: 'redirect'; readonly path: string }
  | { readonly action: 'reject' };

/** True when a config changes anything (a connection manager skips the work otherwise). */
export function normalizationEnabled(n: PathNormalization): boolean {
  return n.normalizePath || n.mergeSlashes || n.escapedSlashesAction !== 'KEEP_UNCHANGED';
}

const HEX = '0123456789ABCDEF';

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

// RFC 3986 unreserved: the only escapes that may be decoded without changing meaning.
function isUnreserved(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
}

// Raw characters a canonical path carries escaped (controls, space, quote, angle brackets, backtick, DEL, non-ASCII).
function mustEscape(c: number): boolean {
  return c < 0x20 || c === 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x60 || c >= 0x7f;
}

function escapeByte(c: number): string {
  return `%${HEX[(c >> 4) & 0xf]}${HEX[c & 0xf]}`;
}

// HTTP/1.1 targets arrive as latin1 (one char per byte); other code units are escaped as UTF-8.
function escapeUtf8(ch: string): string {
  let out = '';
  for (const b of Buffer.from(ch, 'utf8')) out += escapeByte(b);
  return out;
}

/**
 * Canonical form of a path (no query): unreserved escapes decoded, other escapes kept as
 * written, characters that may not appear raw escaped, backslashes turned into slashes and
 * dot segments resolved (never above the root). Undefined when the path is invalid: an
 * escaped or raw NUL.
 */
export function canonicalizePath(path: string): string | undefined {
  // Most paths need no character rewriting: find the first one that does, copy nothing before it.
  let first = 0;
  while (first < path.length) {
    const c = path.charCodeAt(first);
    if (c === 0x25 || c === 0x5c || mustEscape(c)) break;
    first++;
  }
  if (first === path.length) return removeDotSegments(path.startsWith('/') ? path : `/${path}`);
  let text = path.slice(0, first);
  for (let i = first; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x25 /* % */ && i + 2 < path.length) {
      const hi = hexValue(path.charCodeAt(i + 1));
      const lo = hexValue(path.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        const b = hi * 16 + lo;
        if (b === 0) return undefined;
        text += isUnreserved(b) ? String.fromCharCode(b) : path.slice(i, i + 3);
        i += 2;
        continue;
      }
      // A lone `%` stays literal, as browsers and Envoy's canonicaliser leave it.
      text += '%';
      continue;
    }
    if (c === 0) return undefined;
    if (c === 0x5c /* \ */) text += '/';
    else if (mustEscape(c)) text += c > 0xff ? escapeUtf8(path[i]!) : escapeByte(c);
    else text += path[i];
  }
  if (!text.startsWith('/')) text = `/${text}`;
  return removeDotSegments(text);
}

const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

function removeDotSegments(path: string): string {
  if (!DOT_SEGMENT.test(path)) return path;
  const segments = path.slice(1).split('/');
  const out: string[] = [];
  const last = segments.length - 1;
  for (let i = 0; i <= last; i++) {
    const s = segments[i]!;
    if (s === '.' || s === '..') {
      if (s === '..') out.pop();
      // A trailing dot segment leaves the directory form (`/a/b/..` → `/a/`).
      if (i === last) out.push('');
      continue;
    }
    out.push(s);
  }
  return `/${out.join('/')}`;
}

/** `//` runs collapsed to one `/`. */
export function mergeSlashes(path: string): string {
  return path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
}

const ESCAPED_SLASH = /%(2f|5c)/gi;

/** `%2F` → `/` and `%5C` → `\` (any case); `found` tells whether there was any. */
export function unescapeSlashes(path: string): { readonly path: string; readonly found: boolean } {
  let found = false;
  const out = path.replace(ESCAPED_SLASH, (m) => {
    found = true;
    return m[2] === 'f' || m[2] === 'F' ? '/' : '\\';
  });
  return { path: out, found };
}

/**
 * Applies a connection manager's path rules to a request target (`/path?query#fragment`), in
 * Envoy's order: the fragment is dropped, escaped slashes handled, then the path normalised
 * and its slashes merged. The query string is untouched.
 */
export function normalizeRequestPath(target: string, n: PathNormalization): PathVerdict {
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  let path = q >= 0 ? target.slice(0, q) : target;
  const query = q >= 0 ? target.slice(q) : '';
  let redirect = false;
  if (n.escapedSlashesAction !== 'KEEP_UNCHANGED') {
    const u = unescapeSlashes(path);
    if (u.found) {
      if (n.escapedSlashesAction === 'REJECT_REQUEST') return { action: 'reject' };
      redirect = n.escapedSlashesAction === 'UNESCAPE_AND_REDIRECT';
      path = u.path;
    }
  }
  if (n.normalizePath) {
    const canonical = canonicalizePath(path);
    if (canonical === undefined) return { action: 'reject' };
    path = canonical;
  }
  if (n.mergeSlashes) path = mergeSlashes(path);
  return { action: redirect ? 'redirect' : 'continue', path: path + query };
}
