import type { PeerCertificate } from 'node:tls';
import type { SanMatch, StringMatch } from '../config/model.js';
import { subjectAltNameEntries } from '../tls/peer-identity.js';
import { sanMatcherFor } from '../tls/san-validation.js';

/** A compiled `match_subject_alt_names` list. */
export type SanPredicate = (san: string) => boolean;

const compiled = new WeakMap<readonly StringMatch[], SanPredicate>();

/** Compile (once per config object) a predicate that is true when a SAN value matches any matcher. */
export function sanPredicate(matchers: readonly StringMatch[]): SanPredicate {
  let p = compiled.get(matchers);
  if (p !== undefined) return p;
  const tests = matchers.map(compileOne);
  p = (san) => {
    for (const t of tests) if (t(san)) return true;
    return false;
  };
  compiled.set(matchers, p);
  return p;
}

function compileOne(m: StringMatch): SanPredicate {
  if (m.kind === 'regex') {
    // Envoy's safe_regex must match the whole value.
    const re = new RegExp(`^(?:${m.value})$`);
    return (s) => re.test(s);
  }
  const want = m.ignoreCase === true ? m.value.toLowerCase() : m.value;
  const norm = m.ignoreCase === true ? (s: string) => s.toLowerCase() : (s: string) => s;
  switch (m.kind) {
    case 'exact':
      return (s) => norm(s) === want;
    case 'prefix':
      return (s) => norm(s).startsWith(want);
    case 'suffix':
      return (s) => norm(s).endsWith(want);
    case 'contains':
      return (s) => norm(s).includes(want);
  }
}

/** The SAN values of a certificate (URI, DNS, IP and email entries), without their type prefixes. */
export function subjectAltNames(cert: PeerCertificate): string[] {
  const raw = cert.subjectaltname;
  if (raw === undefined || raw === '') return [];
  const out: string[] = [];
  for (const part of raw.split(', ')) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    let value = part.slice(colon + 1);
    // Node quotes values that contain separators; SPIFFE ids never do, but unquote anyway.
    if (value.startsWith('"') && value.endsWith('"')) value = JSON.parse(value) as string;
    out.push(value);
  }
  return out;
}

/**
 * A `checkServerIdentity` for upstream TLS: Envoy checks only the configured SAN matchers (no
 * hostname check, since SNI in a mesh is a cluster name), and any SAN type may match.
 * Returns an Error naming the presented SANs when none matches.
 */
export function sanChecker(matchers: readonly SanMatch[]): (host: string, cert: PeerCertificate) => Error | undefined {
  if (matchers.length === 0) return () => undefined;
  // Typed matchers (match_typed_subject_alt_names) look only at their SAN type.
  const test = sanMatcherFor(matchers);
  return (_host, cert) => {
    if (test(subjectAltNameEntries(cert.subjectaltname))) return undefined;
    const sans = subjectAltNames(cert);
    const err = new Error(`upstream certificate SANs [${sans.join(', ')}] match none of the expected names`);
    (err as NodeJS.ErrnoException).code = 'ERR_PLEXUS_SAN_MISMATCH';
    return err;
  };
}
