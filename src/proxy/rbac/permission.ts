import { field, toNumber } from '../filters/proto-values.js';
import { compileRawStringMatcher } from '../matchers/string-matcher.js';
import { compileCidrRange } from './cidr.js';
import { compileHeaderMatcher, type RbacMatcher } from './header-matcher.js';
import { compilePortRange, compileRbacMetadata, compileSet, compileUrlPath, oneofKey } from './rule-parts.js';

const KINDS = [
  'and_rules', 'or_rules', 'any', 'header', 'url_path', 'destination_ip', 'destination_port',
  'destination_port_range', 'metadata', 'not_rule', 'requested_server_name',
] as const;

/** Permission kinds Envoy has that need extensions Plexus does not run: refused, never ignored. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  matcher: 'custom permission matchers (TypedExtensionConfig) are not supported',
  uri_template: 'uri_template permissions are not supported',
};

/**
 * Compiles an `envoy.config.rbac.v3.Permission` (what is being accessed). HTTP-only kinds
 * (header, url_path) see no headers and no path on TCP, exactly as Envoy's network filter,
 * so a header rule never matches there and an inverted one always does.
 */
export function compilePermission(raw: unknown, at: string, errors: string[]): RbacMatcher | undefined {
  const key = oneofKey(raw, KINDS, at, errors, 'Permission');
  if (key === undefined) return undefined;
  const value = field(raw, key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()));
  const p = `${at}.${key}`;
  switch (key) {
    case 'and_rules':
      return compileSet(value, 'rules', 'and', p, errors, compilePermission);
    case 'or_rules':
      return compileSet(value, 'rules', 'or', p, errors, compilePermission);
    case 'any':
      if (value !== true) {
        errors.push(`${p}: must be true`);
        return undefined;
      }
      return () => true;
    case 'not_rule': {
      const inner = compilePermission(value, p, errors);
      return inner && ((req) => !inner(req));
    }
    case 'header':
      return compileHeaderMatcher(value, p, errors);
    case 'url_path':
      return compileUrlPath(value, p, errors);
    case 'destination_ip': {
      const cidr = compileCidrRange(value, p, errors);
      return cidr && ((req) => cidr(req.destinationIp));
    }
    case 'destination_port': {
      const port = toNumber(value);
      if (port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
        errors.push(`${p}: ${JSON.stringify(value)} is not a port`);
        return undefined;
      }
      return (req) => req.destinationPort === port;
    }
    case 'destination_port_range':
      return compilePortRange(value, p, errors);
    case 'metadata':
      return compileRbacMetadata(value, p, errors);
    case 'requested_server_name': {
      const match = compileRawStringMatcher(value, p, errors);
      // Envoy matches the SNI, or "" when the connection carried none.
      return match && ((req) => match(req.connection.serverName ?? ''));
    }
    default:
      errors.push(`${p}: ${UNSUPPORTED[key] ?? `unknown permission kind; one of ${KINDS.join(', ')} is supported`}`);
      return undefined;
  }
}
