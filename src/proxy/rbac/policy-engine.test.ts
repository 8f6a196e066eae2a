import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionInfo } from '../config/snapshot-holder.js';
import type { DynamicMetadata } from '../matchers/metadata-matcher.js';
import { compileRbacEngine, isAllowed, type RbacEngine } from './policy-engine.js';
import { RbacRequest, type RbacHttpFacts } from './rbac-request.js';

interface Facts {
  remote?: string;
  clientAddress?: string;
  destination?: string;
  port?: number;
  sni?: string;
  tls?: boolean;
  principal?: string;
  certs?: { peerUriSans: string[]; peerDnsSans: string[]; peerSubject: string };
  http?: Partial<RbacHttpFacts> | false;
  metadata?: DynamicMetadata;
}

function request(f: Facts = {}): RbacRequest {
  const remote = f.remote ?? '198.18.0.10';
  const connection = {
    id: 1,
    remoteAddress: remote,
    remotePort: 40000,
    localAddress: '198.18.0.20',
    localPort: 15006,
    originalDestination: { address: f.destination ?? '198.18.0.20', port: f.port ?? 8080 },
    ...(f.sni !== undefined ? { serverName: f.sni } : {}),
    tlsTerminated: f.tls ?? f.principal !== undefined,
    ...(f.principal !== undefined ? { peerPrincipal: f.principal } : {}),
    ...(f.certs ? { peerCertificates: f.certs } : {}),
    listenerName: 'virtualInbound',
    filterChainName: 'inbound|8080||',
  } as unknown as ConnectionInfo;
  const http: RbacHttpFacts | undefined =
    f.http === false ? undefined : { method: 'GET', path: '/api/v1/items?x=1', authority: 'httpbin.foo:8000', scheme: 'http', headers: { 'x-user': 'Alice', 'x-multi': ['a', 'b'], 'x-num': '42' }, ...(f.http ?? {}) };
  return new RbacRequest(connection, http, f.clientAddress ?? remote, () => f.metadata);
}

function engine(raw: unknown): RbacEngine {
  const errors: string[] = [];
  const e = compileRbacEngine(raw, 'rules', errors);
  assert.deepEqual(errors, []);
  return e!;
}

/** An ALLOW engine with one policy: matches when both the permission and the principal do. */
function matches(permission: unknown, principal: unknown, facts: Facts): boolean {
  const e = engine({ action: 'ALLOW', policies: { p: { permissions: [permission], principals: [principal] } } });
  return e.matchingPolicy(request(facts)) === 'p';
}

const ANY = { any: true };
const header = (h: Record<string, unknown>): unknown => ({ header: { name: 'x-user', ...h } });

describe('RBAC permissions', () => {
  const cases: { name: string; permission: unknown; facts?: Facts; want: boolean }[] = [
    { name: 'any', permission: ANY, want: true },
    { name: 'header exact', permission: header({ string_match: { exact: 'Alice' } }), want: true },
    { name: 'header exact is case sensitive', permission: header({ string_match: { exact: 'alice' } }), want: false },
    { name: 'header exact ignore_case', permission: header({ string_match: { exact: 'alice', ignore_case: true } }), want: true },
    { name: 'header prefix ignore_case', permission: header({ string_match: { prefix: 'AL', ignore_case: true } }), want: true },
    { name: 'header suffix', permission: header({ string_match: { suffix: 'ice' } }), want: true },
    { name: 'header contains', permission: header({ string_match: { contains: 'lic' } }), want: true },
    { name: 'header safe_regex is a full match', permission: header({ string_match: { safe_regex: { regex: 'A.*' } } }), want: true },
    { name: 'header safe_regex partial', permission: header({ string_match: { safe_regex: { regex: 'lic' } } }), want: false },
    { name: 'header deprecated exact_match', permission: header({ exact_match: 'Alice' }), want: true },
    { name: 'header deprecated exact_match "" matches any value', permission: header({ exact_match: '' }), want: true },
    { name: 'header deprecated safe_regex_match', permission: header({ safe_regex_match: { regex: '[A-Z][a-z]+' } }), want: true },
    { name: 'header present', permission: header({ present_match: true }), want: true },
    { name: 'header name only means present', permission: header({}), want: true },
    { name: 'header invert', permission: header({ string_match: { exact: 'Alice' }, invert_match: true }), want: false },
    { name: 'missing header, value matcher', permission: { header: { name: 'x-none', string_match: { exact: '' } } }, want: false },
    { name: 'missing header, inverted value matcher still false', permission: { header: { name: 'x-none', string_match: { exact: 'a' }, invert_match: true } }, want: false },
    { name: 'missing header, present_match false', permission: { header: { name: 'x-none', present_match: false } }, want: true },
    { name: 'missing header, inverted present_match', permission: { header: { name: 'x-none', present_match: true, invert_match: true } }, want: true },
    { name: 'missing header treated as empty', permission: { header: { name: 'x-none', string_match: { exact: '' }, treat_missing_header_as_empty: true } }, want: true },
    { name: 'repeated header joined with ","', permission: { header: { name: 'x-multi', string_match: { exact: 'a,b' } } }, want: true },
    { name: 'header names are case-insensitive', permission: { header: { name: 'X-User', present_match: true } }, want: true },
    { name: 'range_match in range', permission: { header: { name: 'x-num', range_match: { start: '40', end: '43' } } }, want: true },
    { name: 'range_match end exclusive', permission: { header: { name: 'x-num', range_match: { start: '0', end: '42' } } }, want: false },
    { name: 'range_match on a non-number', permission: { header: { name: 'x-user', range_match: { start: '0', end: '100' } } }, want: false },
    { name: ':method', permission: { header: { name: ':method', string_match: { exact: 'GET' } } }, want: true },
    { name: ':path includes the query', permission: { header: { name: ':path', string_match: { exact: '/api/v1/items?x=1' } } }, want: true },
    { name: ':authority', permission: { header: { name: ':authority', string_match: { prefix: 'httpbin.foo' } } }, want: true },
    { name: 'host is not a header (Envoy keeps it as :authority)', permission: { header: { name: 'host', present_match: true } }, want: false },
    { name: ':scheme', permission: { header: { name: ':scheme', string_match: { exact: 'http' } } }, want: true },
    { name: 'url_path drops the query', permission: { url_path: { path: { exact: '/api/v1/items' } } }, want: true },
    { name: 'url_path prefix', permission: { url_path: { path: { prefix: '/api/' } } }, want: true },
    { name: 'url_path ignore_case', permission: { url_path: { path: { exact: '/API/V1/ITEMS', ignore_case: true } } }, want: true },
    { name: 'url_path drops a fragment', permission: { url_path: { path: { exact: '/a' } } }, facts: { http: { path: '/a#frag' } }, want: true },
    { name: 'destination_ip IPv4', permission: { destination_ip: { address_prefix: '198.18.0.0', prefix_len: { value: 24 } } }, want: true },
    { name: 'destination_ip IPv4 miss', permission: { destination_ip: { address_prefix: '198.18.1.0', prefix_len: { value: 24 } } }, want: false },
    { name: 'destination_ip host bits ignored', permission: { destination_ip: { address_prefix: '198.18.0.77', prefix_len: { value: 16 } } }, want: true },
    { name: 'destination_ip without prefix_len covers the whole family', permission: { destination_ip: { address_prefix: '10.0.0.1' } }, want: true },
    { name: 'destination_ip IPv6', permission: { destination_ip: { address_prefix: '2001:db8::', prefix_len: { value: 32 } } }, facts: { destination: '2001:db8:1::5' }, want: true },
    { name: 'destination_ip IPv6 miss', permission: { destination_ip: { address_prefix: '2001:db9::', prefix_len: { value: 32 } } }, facts: { destination: '2001:db8:1::5' }, want: false },
    { name: 'destination_ip family mismatch', permission: { destination_ip: { address_prefix: '::', prefix_len: { value: 0 } } }, want: false },
    { name: 'destination_ip IPv4-mapped IPv6 counts as IPv4', permission: { destination_ip: { address_prefix: '198.18.0.20', prefix_len: { value: 32 } } }, facts: { destination: '::ffff:198.18.0.20' }, want: true },
    { name: 'destination_port', permission: { destination_port: 8080 }, want: true },
    { name: 'destination_port miss', permission: { destination_port: 9090 }, want: false },
    { name: 'destination_port_range start inclusive', permission: { destination_port_range: { start: 8080, end: 8081 } }, want: true },
    { name: 'destination_port_range end exclusive', permission: { destination_port_range: { start: 8000, end: 8080 } }, want: false },
    { name: 'requested_server_name', permission: { requested_server_name: { suffix: '.example.com' } }, facts: { sni: 'api.example.com' }, want: true },
    { name: 'requested_server_name without SNI is ""', permission: { requested_server_name: { exact: '' } }, want: true },
    { name: 'metadata', permission: { metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: 'iss' }], value: { string_match: { exact: 'issuer' } } } }, facts: { metadata: { 'envoy.filters.http.jwt_authn': { payload: { iss: 'issuer' } } } }, want: true },
    { name: 'metadata absent', permission: { metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }], value: { present_match: true } } }, want: false },
    { name: 'and_rules all', permission: { and_rules: { rules: [{ destination_port: 8080 }, { url_path: { path: { prefix: '/api' } } }] } }, want: true },
    { name: 'and_rules one fails', permission: { and_rules: { rules: [{ destination_port: 8080 }, { url_path: { path: { prefix: '/admin' } } }] } }, want: false },
    { name: 'or_rules one', permission: { or_rules: { rules: [{ destination_port: 1 }, { url_path: { path: { prefix: '/api' } } }] } }, want: true },
    { name: 'or_rules none', permission: { or_rules: { rules: [{ destination_port: 1 }, { destination_port: 2 }] } }, want: false },
    { name: 'not_rule', permission: { not_rule: { destination_port: 1 } }, want: true },
    { name: 'nested not(or(and))', permission: { not_rule: { or_rules: { rules: [{ and_rules: { rules: [{ destination_port: 8080 }, { header: { name: ':method', string_match: { exact: 'POST' } } }] } }] } } }, want: true },
    { name: 'camelCase fields', permission: { urlPath: { path: { prefix: '/api' } } }, want: true },
    // On TCP there are no headers and no path: header/url_path never match, an inverted header does.
    { name: 'TCP: url_path never matches', permission: { url_path: { path: { prefix: '/' } } }, facts: { http: false }, want: false },
    { name: 'TCP: header never matches', permission: { header: { name: ':method', present_match: true } }, facts: { http: false }, want: false },
    { name: 'TCP: inverted present header matches', permission: { header: { name: ':method', present_match: true, invert_match: true } }, facts: { http: false }, want: true },
    { name: 'TCP: not(url_path) matches', permission: { not_rule: { url_path: { path: { prefix: '/' } } } }, facts: { http: false }, want: true },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(matches(c.permission, ANY, c.facts ?? {}), c.want));
  }
});

describe('RBAC principals', () => {
  const spiffe = 'spiffe://cluster.local/ns/default/sa/web';
  const cases: { name: string; principal: unknown; facts?: Facts; want: boolean }[] = [
    { name: 'any', principal: ANY, want: true },
    { name: 'authenticated without name: any TLS peer', principal: { authenticated: {} }, facts: { tls: true }, want: true },
    { name: 'authenticated without TLS', principal: { authenticated: {} }, want: false },
    { name: 'authenticated principal_name exact', principal: { authenticated: { principal_name: { exact: spiffe } } }, facts: { principal: spiffe }, want: true },
    { name: 'authenticated principal_name prefix (namespace)', principal: { authenticated: { principal_name: { prefix: 'spiffe://cluster.local/ns/default/' } } }, facts: { principal: spiffe }, want: true },
    { name: 'authenticated principal_name miss', principal: { authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/other/sa/web' } } }, facts: { principal: spiffe }, want: false },
    { name: 'authenticated .+ needs a principal', principal: { authenticated: { principal_name: { safe_regex: { regex: '.+' } } } }, facts: { tls: true }, want: false },
    { name: 'authenticated DNS SAN', principal: { authenticated: { principal_name: { exact: 'web.example.com' } } }, facts: { tls: true, certs: { peerUriSans: [], peerDnsSans: ['web.example.com'], peerSubject: 'CN=web' } }, want: true },
    { name: 'authenticated subject when no SAN matches', principal: { authenticated: { principal_name: { exact: 'CN=web' } } }, facts: { tls: true, certs: { peerUriSans: [], peerDnsSans: [], peerSubject: 'CN=web' } }, want: true },
    { name: 'source_ip is the peer', principal: { source_ip: { address_prefix: '198.18.0.0', prefix_len: { value: 24 } } }, facts: { clientAddress: '203.0.113.9' }, want: true },
    { name: 'direct_remote_ip is the peer, not XFF', principal: { direct_remote_ip: { address_prefix: '203.0.113.0', prefix_len: { value: 24 } } }, facts: { clientAddress: '203.0.113.9' }, want: false },
    { name: 'remote_ip is the client after XFF', principal: { remote_ip: { address_prefix: '203.0.113.0', prefix_len: { value: 24 } } }, facts: { clientAddress: '203.0.113.9' }, want: true },
    { name: 'remote_ip IPv6 /64', principal: { remote_ip: { address_prefix: '2001:db8:aa:bb::', prefix_len: { value: 64 } } }, facts: { remote: '2001:db8:aa:bb:1:2:3:4' }, want: true },
    { name: 'remote_ip IPv6 /128 miss', principal: { remote_ip: { address_prefix: '2001:db8::1', prefix_len: { value: 128 } } }, facts: { remote: '2001:db8::2' }, want: false },
    { name: 'header', principal: { header: { name: 'x-user', string_match: { exact: 'Alice' } } }, want: true },
    { name: 'url_path', principal: { url_path: { path: { prefix: '/api' } } }, want: true },
    { name: 'metadata list claim', principal: { metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: 'groups' }], value: { list_match: { one_of: { string_match: { exact: 'admin' } } } } } }, facts: { metadata: { 'envoy.filters.http.jwt_authn': { payload: { groups: ['dev', 'admin'] } } } }, want: true },
    { name: 'and_ids', principal: { and_ids: { ids: [{ authenticated: { principal_name: { exact: spiffe } } }, { remote_ip: { address_prefix: '198.18.0.10', prefix_len: { value: 32 } } }] } }, facts: { principal: spiffe }, want: true },
    { name: 'or_ids', principal: { or_ids: { ids: [{ remote_ip: { address_prefix: '10.0.0.0', prefix_len: { value: 8 } } }, { authenticated: { principal_name: { exact: spiffe } } }] } }, facts: { principal: spiffe }, want: true },
    { name: 'not_id', principal: { not_id: { authenticated: { principal_name: { exact: spiffe } } } }, facts: { principal: spiffe }, want: false },
    { name: 'not_id of plaintext', principal: { not_id: { authenticated: {} } }, want: true },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(matches(ANY, c.principal, c.facts ?? {}), c.want));
  }
});

describe('RBAC engine', () => {
  const policy = (permission: unknown): unknown => ({ permissions: [permission], principals: [ANY] });

  it('rules without policies: ALLOW denies everything, DENY allows everything', () => {
    for (const [action, allowed] of [['ALLOW', false], ['DENY', true], ['LOG', true]] as const) {
      const e = engine({ action });
      assert.equal(isAllowed(e.action, e.matchingPolicy(request())), allowed, action);
    }
  });

  it('action defaults to ALLOW; numeric enums are read', () => {
    assert.equal(engine({}).action, 'ALLOW');
    assert.equal(engine({ action: 1 }).action, 'DENY');
    assert.equal(engine({ action: 'LOG' }).action, 'LOG');
  });

  it('the effective policy is the first match in name order', () => {
    const e = engine({ action: 'DENY', policies: { 'ns[b]-policy[z]-rule[0]': policy(ANY), 'ns[a]-policy[y]-rule[0]': policy(ANY), 'ns[c]-policy[x]-rule[0]': policy({ destination_port: 1 }) } });
    assert.equal(e.matchingPolicy(request()), 'ns[a]-policy[y]-rule[0]');
    assert.deepEqual(e.policyNames, ['ns[a]-policy[y]-rule[0]', 'ns[b]-policy[z]-rule[0]', 'ns[c]-policy[x]-rule[0]']);
    assert.equal(isAllowed('DENY', e.matchingPolicy(request())), false);
  });

  it('permissions and principals of a policy are each OR-ed, and both must match', () => {
    const e = engine({ policies: { p: { permissions: [{ destination_port: 1 }, { destination_port: 8080 }], principals: [{ remote_ip: { address_prefix: '10.0.0.0', prefix_len: 8 } }, ANY] } } });
    assert.equal(e.matchingPolicy(request()), 'p');
    const none = engine({ policies: { p: { permissions: [ANY], principals: [{ remote_ip: { address_prefix: '10.0.0.0', prefix_len: 8 } }] } } });
    assert.equal(none.matchingPolicy(request()), undefined);
  });

  it('reads metadata at match time (written by earlier filters)', () => {
    const holder: { md: DynamicMetadata | undefined } = { md: undefined };
    const connection = request().connection;
    const req = new RbacRequest(connection, undefined, connection.remoteAddress, () => holder.md);
    const e = engine({ policies: { p: { permissions: [ANY], principals: [{ metadata: { filter: 'f', path: [{ key: 'k' }], value: { bool_match: true } } }] } } });
    assert.equal(e.matchingPolicy(req), undefined);
    holder.md = { f: { k: true } };
    assert.equal(e.matchingPolicy(req), 'p');
  });

  const invalid: { name: string; raw: unknown; error: string }[] = [
    { name: 'unknown action', raw: { action: 'MAYBE' }, error: 'rules.action: unknown action "MAYBE"' },
    { name: 'audit loggers', raw: { audit_logging_options: { audit_condition: 'ON_DENY' } }, error: 'rules.audit_logging_options: RBAC audit loggers are not supported' },
    { name: 'policy without permissions', raw: { policies: { p: { principals: [ANY] } } }, error: 'rules.policies["p"].permissions: at least one entry is required' },
    { name: 'policy without principals', raw: { policies: { p: { permissions: [ANY] } } }, error: 'rules.policies["p"].principals: at least one entry is required' },
    { name: 'CEL condition', raw: { policies: { p: { ...(policy(ANY) as object), condition: { id: 1 } } } }, error: 'rules.policies["p"].condition: CEL conditions are not supported' },
    { name: 'permission matcher extension', raw: { policies: { p: policy({ matcher: { name: 'x' } }) } }, error: 'rules.policies["p"].permissions[0].matcher: custom permission matchers (TypedExtensionConfig) are not supported' },
    { name: 'uri_template', raw: { policies: { p: policy({ uri_template: { name: 'x' } }) } }, error: 'rules.policies["p"].permissions[0].uri_template: uri_template permissions are not supported' },
    { name: 'filter_state principal', raw: { policies: { p: { permissions: [ANY], principals: [{ filter_state: { key: 'k' } }] } } }, error: 'rules.policies["p"].principals[0].filter_state: filter_state principals are not supported' },
    { name: 'empty permission', raw: { policies: { p: policy({}) } }, error: 'rules.policies["p"].permissions[0]: an empty Permission' },
    { name: 'two kinds in one permission', raw: { policies: { p: policy({ any: true, destination_port: 80 }) } }, error: 'rules.policies["p"].permissions[0]: a Permission sets any and destination_port; exactly one is allowed' },
    { name: 'any: false', raw: { policies: { p: policy({ any: false }) } }, error: 'rules.policies["p"].permissions[0].any: must be true' },
    { name: 'bad regex deep inside', raw: { policies: { p: policy({ and_rules: { rules: [ANY, { not_rule: { header: { name: 'x', string_match: { safe_regex: { regex: '(' } } } } }] } }) } }, error: 'rules.policies["p"].permissions[0].and_rules.rules[1].not_rule.header.string_match.safe_regex.regex: invalid RE2 regex' },
    { name: 'empty and_rules', raw: { policies: { p: policy({ and_rules: { rules: [] } }) } }, error: 'rules.policies["p"].permissions[0].and_rules.rules: at least one entry is required' },
    { name: 'bad CIDR', raw: { policies: { p: policy({ destination_ip: { address_prefix: '198.18.0.0', prefix_len: { value: 33 } } }) } }, error: 'rules.policies["p"].permissions[0].destination_ip.prefix_len: 33 is not a prefix length for 198.18.0.0 (0-32)' },
    { name: 'not an IP', raw: { policies: { p: policy({ destination_ip: { address_prefix: 'example.com' } }) } }, error: 'rules.policies["p"].permissions[0].destination_ip.address_prefix: "example.com" is not an IP address' },
    { name: 'port out of range', raw: { policies: { p: policy({ destination_port: 70000 }) } }, error: 'rules.policies["p"].permissions[0].destination_port: 70000 is not a port' },
    { name: 'reversed port range', raw: { policies: { p: policy({ destination_port_range: { start: 90, end: 80 } }) } }, error: 'rules.policies["p"].permissions[0].destination_port_range: start 90 is after end 80' },
    { name: 'header without name', raw: { policies: { p: policy({ header: { present_match: true } }) } }, error: 'rules.policies["p"].permissions[0].header.name: is required' },
    { name: 'empty prefix_match', raw: { policies: { p: policy({ header: { name: 'x', prefix_match: '' } }) } }, error: 'rules.policies["p"].permissions[0].header.prefix_match: must not be empty' },
    { name: 'url_path without path', raw: { policies: { p: policy({ url_path: {} }) } }, error: 'rules.policies["p"].permissions[0].url_path.path: a StringMatcher is required' },
    { name: 'bad metadata matcher', raw: { policies: { p: policy({ metadata: { filter: 'f', path: [] , value: { present_match: true } } }) } }, error: 'rules.policies["p"].permissions[0].metadata.path: at least one segment is required' },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name}, naming the field`, () => {
      const errors: string[] = [];
      assert.equal(compileRbacEngine(c.raw, 'rules', errors), undefined);
      assert.ok(errors.some((e) => e.startsWith(c.error)), `expected "${c.error}" in ${JSON.stringify(errors)}`);
    });
  }

  it('reports every problem, not just the first', () => {
    const errors: string[] = [];
    compileRbacEngine({ action: 'NOPE', policies: { a: policy({ uri_template: {} }), b: { permissions: [ANY] } } }, 'shadow_rules', errors);
    assert.equal(errors.length, 3, JSON.stringify(errors));
  });
});

describe('RBAC config robustness', () => {
  // A deterministic generator of odd JSON: the compiler must answer with errors, never throw.
  function* shapes(seed: number, count: number): Generator<unknown> {
    let x = seed;
    const rnd = (n: number): number => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x % n;
    };
    const keys = ['any', 'and_rules', 'or_rules', 'not_rule', 'header', 'url_path', 'destination_ip', 'destination_port', 'destination_port_range', 'metadata', 'requested_server_name', 'and_ids', 'or_ids', 'not_id', 'authenticated', 'remote_ip', 'rules', 'ids', 'name', 'path', 'string_match', 'exact', 'prefix', 'safe_regex', 'regex', 'address_prefix', 'prefix_len', 'start', 'end', 'filter', 'value', 'key', 'present_match', 'invert_match', 'range_match'];
    const value = (depth: number): unknown => {
      switch (rnd(depth > 4 ? 6 : 9)) {
        case 0: return null;
        case 1: return rnd(2) === 0;
        case 2: return rnd(70000) - 100;
        case 3: return ['', '(', '10.0.0.0', '::1', '/x', 'GET'][rnd(6)];
        case 4: return undefined;
        case 5: return {};
        case 6: return Array.from({ length: rnd(3) }, () => value(depth + 1));
        default: {
          const o: Record<string, unknown> = {};
          for (let i = rnd(3); i >= 0; i--) o[keys[rnd(keys.length)]!] = value(depth + 1);
          return o;
        }
      }
    };
    for (let i = 0; i < count; i++) yield { action: ['ALLOW', 'DENY', 'LOG', 7][rnd(4)], policies: { p: { permissions: [value(0)], principals: [value(0)] }, q: value(0) } };
  }

  it('2,000 malformed configs: errors or an engine, never an exception', () => {
    let compiled = 0;
    let refused = 0;
    for (const raw of shapes(42, 2000)) {
      const errors: string[] = [];
      const e = compileRbacEngine(raw, 'rules', errors);
      if (e) {
        compiled++;
        assert.deepEqual(errors, []);
        e.matchingPolicy(request());
        e.matchingPolicy(request({ http: false }));
      } else {
        refused++;
        assert.ok(errors.length > 0);
      }
    }
    assert.equal(compiled + refused, 2000);
    assert.ok(refused > 0);
  });
});
