import type { PeerCertificate } from 'node:tls';
import type { SanMatch } from '../config/model.js';
import { subjectAltNameEntries } from '../tls/peer-identity.js';
import { sanMatcherFor } from '../tls/san-validation.js';

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
    const entries = subjectAltNameEntries(cert.subjectaltname);
    if (test(entries)) return undefined;
    const err = new Error(`upstream certificate SANs [${entries.map((e) => e.value).join(', ')}] match none of the expected names`);
    (err as NodeJS.ErrnoException).code = 'ERR_PLEXUS_SAN_MISMATCH';
    return err;
  };
}
