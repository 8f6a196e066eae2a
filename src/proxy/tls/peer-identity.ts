import type { PeerCertificate } from 'node:tls';

/** SAN values of a certificate by type (`URI`, `DNS`, `IP Address`, `email`), as Node reports them. */
export function subjectAltNameEntries(subjectAltName: string | undefined): { type: string; value: string }[] {
  if (!subjectAltName) return [];
  const out: { type: string; value: string }[] = [];
  // Node separates entries with ", " and JSON-quotes values that contain separators.
  const re = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (let m = re.exec(subjectAltName); m !== null && m[0] !== ''; m = re.exec(subjectAltName)) {
    let value = m[2];
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    out.push({ type: m[1].trim(), value });
  }
  return out;
}

/**
 * The SPIFFE id of a peer certificate: its first `spiffe://` URI SAN. Istio (and Envoy's
 * `source.principal`) use the URI without the scheme for policy, but ConnectionInfo keeps the
 * full URI; RBAC strips it where it needs to.
 */
export function spiffeIdOf(cert: Pick<PeerCertificate, 'subjectaltname'> | undefined): string | undefined {
  if (!cert) return undefined;
  return subjectAltNameEntries(cert.subjectaltname).find((e) => e.type === 'URI' && e.value.startsWith('spiffe://'))?.value;
}
