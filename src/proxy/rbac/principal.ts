import { field } from '../filters/proto-values.js';
import { compileRawStringMatcher } from '../matchers/string-matcher.js';
import { compileCidrRange } from './cidr.js';
import { compileHeaderMatcher, type RbacMatcher } from './header-matcher.js';
import { compileRbacMetadata, compileSet, compileUrlPath, oneofKey } from './rule-parts.js';
import type { RbacRequest } from './rbac-request.js';

const KINDS = [
  'and_ids', 'or_ids', 'any', 'authenticated', 'source_ip', 'direct_remote_ip', 'remote_ip',
  'header', 'url_path', 'metadata', 'not_id',
] as const;

const UNSUPPORTED: Readonly<Record<string, string>> = {
  filter_state: 'filter_state principals are not supported (the proxy keeps no filter state)',
  sourced_metadata: 'sourced_metadata principals are not supported',
  custom: 'custom principal matchers (TypedExtensionConfig) are not supported',
};

/**
 * Compiles an `envoy.config.rbac.v3.Principal` (who is asking). `source_ip` and
 * `direct_remote_ip` are the connection's peer; `remote_ip` is the client after the
 * connection manager's x-forwarded-for rules (the peer on TCP).
 */
export function compilePrincipal(raw: unknown, at: string, errors: string[]): RbacMatcher | undefined {
  const key = oneofKey(raw, KINDS, at, errors, 'Principal');
  if (key === undefined) return undefined;
  const value = field(raw, key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()));
  const p = `${at}.${key}`;
  switch (key) {
    case 'and_ids':
      return compileSet(value, 'ids', 'and', p, errors, compilePrincipal);
    case 'or_ids':
      return compileSet(value, 'ids', 'or', p, errors, compilePrincipal);
    case 'any':
      if (value !== true) {
        errors.push(`${p}: must be true`);
        return undefined;
      }
      return () => true;
    case 'not_id': {
      const inner = compilePrincipal(value, p, errors);
      return inner && ((req) => !inner(req));
    }
    case 'authenticated':
      return compileAuthenticated(value, p, errors);
    case 'source_ip':
    case 'direct_remote_ip': {
      const cidr = compileCidrRange(value, p, errors);
      return cidr && ((req) => cidr(req.directRemoteIp));
    }
    case 'remote_ip': {
      const cidr = compileCidrRange(value, p, errors);
      return cidr && ((req) => cidr(req.remoteIp));
    }
    case 'header':
      return compileHeaderMatcher(value, p, errors);
    case 'url_path':
      return compileUrlPath(value, p, errors);
    case 'metadata':
      return compileRbacMetadata(value, p, errors);
    default:
      errors.push(`${p}: ${UNSUPPORTED[key] ?? `unknown principal kind; one of ${KINDS.join(', ')} is supported`}`);
      return undefined;
  }
}

/** The certificate facts the TLS layer may attach to a connection (read lazily, once per connection). */
interface PeerCertificateFacts {
  readonly peerUriSans: readonly string[];
  readonly peerDnsSans: readonly string[];
  readonly peerSubject: string;
}

/**
 * `Principal.Authenticated`: only connections whose TLS this proxy terminated. Without
 * `principal_name` any such connection matches; with it, Envoy tries the peer certificate's
 * URI SANs, then its DNS SANs, then its subject. The verified SPIFFE id comes first; the other
 * SANs and the subject when the TLS layer attached the certificate's facts, else an empty subject.
 */
function compileAuthenticated(raw: unknown, at: string, errors: string[]): RbacMatcher | undefined {
  const nameMatcher = field(raw, 'principalName');
  if (nameMatcher === undefined) return (req) => req.connection.tlsTerminated;
  const match = compileRawStringMatcher(nameMatcher, `${at}.principal_name`, errors);
  if (!match) return undefined;
  return (req: RbacRequest) => {
    const c = req.connection;
    if (!c.tlsTerminated) return false;
    if (c.peerPrincipal !== undefined && match(c.peerPrincipal)) return true;
    const certs = (c as { readonly peerCertificates?: PeerCertificateFacts }).peerCertificates;
    if (!certs) return c.peerPrincipal === undefined && match('');
    for (const uri of certs.peerUriSans) if (match(uri)) return true;
    for (const dns of certs.peerDnsSans) if (match(dns)) return true;
    return match(certs.peerSubject);
  };
}
