import type { ProtoObject } from '../../protos.js';
import {
  cidrRange, claimValueMatcher, headerMatcher, hostMatcher, metadataMatcher, pathMatcher, quoteMeta, regexMatcher, stringMatcher,
} from './matchers.js';

// Each AuthorizationPolicy attribute (a source or operation field, or a `when` key) becomes an
// Envoy RBAC permission (what is asked for) or principal (who asks), as istiod's authz model
// sorts them. HTTP-only attributes cannot be evaluated on a TCP filter chain.

/** The dynamic metadata namespace where jwt_authn puts a verified token (`payload`). */
export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';

/** Where a generated matcher goes in an Envoy RBAC policy. */
export type Side = 'permission' | 'principal';

/** What a generator may need beyond the values. */
export interface AttributeContext {
  /** The policy's namespace (service accounts without a namespace are in it). */
  readonly namespace: string;
}

/** Turns the values of one attribute into one matcher (the values OR'ed). */
export interface AttributeGenerator {
  readonly side: Side;
  /** True when the attribute only exists in HTTP requests. */
  readonly httpOnly: boolean;
  /** The OR of the values as one matcher; throws an Error when the key or a value cannot be used. */
  build(key: string, values: readonly string[], ctx: AttributeContext): ProtoObject;
}

const orPermissions = (rules: ProtoObject[]): ProtoObject => ({ or_rules: { rules } });
const orPrincipals = (ids: ProtoObject[]): ProtoObject => ({ or_ids: { ids } });
const andPrincipals = (ids: ProtoObject[]): ProtoObject => ({ and_ids: { ids } });

function cidr(value: string): ProtoObject {
  const range = cidrRange(value);
  if (!range) throw new Error(`invalid IP address or CIDR ${JSON.stringify(value)}`);
  return range;
}

function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new Error(`invalid port ${JSON.stringify(value)}`);
  return Number(value);
}

/** A generator producing one matcher per value, OR'ed (istiod's plain generators). */
function perValue(side: Side, httpOnly: boolean, one: (key: string, value: string, ctx: AttributeContext) => ProtoObject): AttributeGenerator {
  return {
    side,
    httpOnly,
    build: (key, values, ctx) => {
      const each = values.map((v) => one(key, v, ctx));
      return side === 'permission' ? orPermissions(each) : orPrincipals(each);
    },
  };
}

const authenticated = (principalName: ProtoObject): ProtoObject => ({ authenticated: { principal_name: principalName } });

/** `a[b]` → `b`. */
export function nameInBrackets(s: string): string {
  if (!s.startsWith('[') || !s.endsWith(']')) throw new Error(`expecting format [<NAME>], but found ${s}`);
  return s.slice(1, -1);
}

/** `[a][b]` → `[a, b]`; a single bracketed name may itself hold brackets (`[a[b]` → `a[b`). */
export function namesInNestedBrackets(s: string): string[] {
  const names: string[] = [];
  let begin = 0;
  while (begin < s.length) {
    let end = -1;
    if (s[begin] === '[') {
      for (let i = begin + 1; i < s.length; i++) {
        if (s[i] === '[') break;
        if (s[i] === ']') {
          end = i;
          break;
        }
      }
    }
    if (end === -1) return [nameInBrackets(s)];
    names.push(s.slice(begin + 1, end));
    begin = end + 1;
  }
  return names;
}

/** `source.serviceAccount` / `serviceAccounts`: `name` (in the policy's namespace) or `namespace/name`. */
export function serviceAccountRegex(defaultNamespace: string, value: string): string {
  const slash = value.indexOf('/');
  const ns = slash < 0 ? defaultNamespace : value.slice(0, slash);
  const sa = slash < 0 ? value : value.slice(slash + 1);
  return `spiffe://.+/ns/${literal(ns)}/(.+/|)sa/${literal(sa)}(/.+)?`;
}

/**
 * A name inside one of istiod's regexes. istiod inserts names unquoted; valid names (DNS
 * labels, service accounts) come out the same here, while any other RE2 metacharacter is
 * escaped so an odd value cannot make the proxy reject the whole listener.
 */
function literal(name: string): string {
  return name.replace(/[\\+*?()|[\]{}^$]/g, '\\$&');
}

/** A JWT payload claim on jwt_authn's dynamic metadata. */
function claim(path: readonly string[], value: ProtoObject): ProtoObject {
  return { metadata: metadataMatcher(JWT_AUTHN_FILTER, ['payload', ...path], value) };
}

const ANY_VALUE = regexMatcher('.+');

/** `request.auth.principal` / `requestPrincipals`: `iss/sub`, split at the last `/` (issuers are URLs). */
function requestPrincipal(value: string): ProtoObject {
  const idx = value.lastIndexOf('/');
  const found = idx >= 0;
  const iss = found ? value.slice(0, idx) : value;
  const sub = found ? value.slice(idx + 1) : '';
  let matchIss: ProtoObject;
  let matchSub: ProtoObject;
  if (value === '*') {
    matchIss = ANY_VALUE;
    matchSub = ANY_VALUE;
  } else if (value.startsWith('*')) {
    if (found) {
      matchIss = iss === '*' ? ANY_VALUE : { suffix: iss.slice(1) };
      matchSub = { exact: sub };
    } else {
      matchIss = ANY_VALUE;
      matchSub = { suffix: value.slice(1) };
    }
  } else if (value.endsWith('*')) {
    if (found) {
      matchIss = { exact: iss };
      matchSub = sub === '*' ? ANY_VALUE : { prefix: sub.slice(0, -1) };
    } else {
      matchIss = { prefix: value.slice(0, -1) };
      matchSub = ANY_VALUE;
    }
  } else {
    matchIss = { exact: iss };
    matchSub = { exact: sub };
  }
  return andPrincipals([claim(['iss'], { string_match: matchIss }), claim(['sub'], { string_match: matchSub })]);
}

/** `experimental.envoy.filters.a.b[c]` → filter `envoy.filters.a.b`, key `c`. */
function envoyFilterKey(key: string): { filter: string; path: string } {
  let rest = key.startsWith('experimental.') ? key.slice('experimental.'.length) : key;
  if (rest.endsWith(']')) rest = rest.slice(0, -1);
  const open = rest.indexOf('[');
  if (open < 0) throw new Error(`invalid key: ${key}`);
  return { filter: rest.slice(0, open), path: rest.slice(open + 1) };
}

/** One value of an experimental filter attribute: `[v]` looks in a list, `v` at the value itself. */
function envoyFilterValue(value: string): ProtoObject {
  if (value.startsWith('[') && value.endsWith(']')) {
    return { list_match: { one_of: { string_match: stringMatcher(value.replace(/^\[+|\]+$/g, '')) } } };
  }
  return { string_match: stringMatcher(value) };
}

/** A namespace as istiod matches it inside the peer's SPIFFE id (`*` anywhere is a wildcard). */
function namespaceRegex(value: string): string {
  return `.*/ns/${value.split('*').map(literal).join('.*')}/.*`;
}

/** A trust domain as the first part of the peer's SPIFFE id. */
function trustDomainRegex(value: string): string {
  return `spiffe://${value.split('*').map(quoteMeta).join('[^/]*')}/.*`;
}

/** The generator of every source and operation field, by attribute. */
export const GENERATORS = {
  destinationIp: perValue('permission', false, (_k, v) => ({ destination_ip: cidr(v) })),
  destinationPort: perValue('permission', false, (_k, v) => ({ destination_port: port(v) })),
  connectionSni: perValue('permission', false, (_k, v) => ({ requested_server_name: stringMatcher(v) })),
  envoyFilter: {
    side: 'permission',
    httpOnly: false,
    build: (key, values) => {
      const { filter, path } = envoyFilterKey(key);
      const matchers = values.map(envoyFilterValue);
      return { metadata: metadataMatcher(filter, [path], matchers.length === 1 ? matchers[0]! : { or_match: { value_matchers: matchers } }) };
    },
  } satisfies AttributeGenerator,
  host: perValue('permission', true, (_k, v) => ({ header: hostMatcher(v) })),
  method: perValue('permission', true, (_k, v) => ({ header: headerMatcher(':method', v) })),
  path: perValue('permission', true, (_k, v) => ({ url_path: pathMatcher(v) })),
  sourceIp: perValue('principal', false, (_k, v) => ({ direct_remote_ip: cidr(v) })),
  remoteIp: perValue('principal', false, (_k, v) => ({ remote_ip: cidr(v) })),
  sourceNamespace: perValue('principal', false, (_k, v) => authenticated(regexMatcher(namespaceRegex(v)))),
  sourcePrincipal: perValue('principal', false, (_k, v) => authenticated(stringMatcher(v, 'spiffe://'))),
  serviceAccount: perValue('principal', false, (_k, v, ctx) => authenticated(regexMatcher(serviceAccountRegex(ctx.namespace, v)))),
  trustDomain: perValue('principal', false, (_k, v) => authenticated(regexMatcher(trustDomainRegex(v)))),
  requestPrincipal: {
    side: 'principal',
    httpOnly: true,
    build: (_key, values) => {
      const each = values.map(requestPrincipal);
      return each.length === 1 ? each[0]! : orPrincipals(each);
    },
  } satisfies AttributeGenerator,
  requestAudiences: { side: 'principal', httpOnly: true, build: (_k, values) => claim(['aud'], claimValueMatcher(values)) } satisfies AttributeGenerator,
  requestPresenter: { side: 'principal', httpOnly: true, build: (_k, values) => claim(['azp'], claimValueMatcher(values)) } satisfies AttributeGenerator,
  requestClaim: {
    side: 'principal',
    httpOnly: true,
    build: (key, values) => claim(namesInNestedBrackets(key.slice('request.auth.claims'.length)), claimValueMatcher(values)),
  } satisfies AttributeGenerator,
  requestHeader: perValue('principal', true, (key, v) => ({ header: headerMatcher(nameInBrackets(key.slice('request.headers'.length)), v) })),
} as const satisfies Record<string, AttributeGenerator>;

/** The generator of a `when` key, or undefined for a key Istio does not know. */
export function conditionGenerator(key: string): AttributeGenerator | undefined {
  switch (key) {
    case 'destination.ip': return GENERATORS.destinationIp;
    case 'destination.port': return GENERATORS.destinationPort;
    case 'connection.sni': return GENERATORS.connectionSni;
    case 'source.ip': return GENERATORS.sourceIp;
    case 'remote.ip': return GENERATORS.remoteIp;
    case 'source.namespace': return GENERATORS.sourceNamespace;
    case 'source.principal': return GENERATORS.sourcePrincipal;
    case 'source.serviceAccount': return GENERATORS.serviceAccount;
    case 'source.trustDomain': return GENERATORS.trustDomain;
    case 'request.auth.principal': return GENERATORS.requestPrincipal;
    case 'request.auth.audiences': return GENERATORS.requestAudiences;
    case 'request.auth.presenter': return GENERATORS.requestPresenter;
    default:
      if (key.startsWith('experimental.envoy.filters.')) return GENERATORS.envoyFilter;
      if (key.startsWith('request.headers')) return GENERATORS.requestHeader;
      if (key.startsWith('request.auth.claims')) return GENERATORS.requestClaim;
      return undefined;
  }
}
