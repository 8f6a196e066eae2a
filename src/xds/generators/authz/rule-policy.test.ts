import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthorizationRule } from '../../../api/kinds/authorization-policy/types.js';
import type { ProtoObject } from '../../protos.js';
import { rulePolicy, type RbacAction } from './rule-policy.js';
import { expandTrustDomains, trustDomainBundle } from './trust-domain.js';

const TD = trustDomainBundle('cluster.local');
const ctx = (action: RbacAction = 'ALLOW', forTcp = false, trustDomains = TD) => ({ namespace: 'foo', trustDomains, forTcp, action });

const and = (...rules: ProtoObject[]): ProtoObject => ({ and_rules: { rules } });
const ids = (...list: ProtoObject[]): ProtoObject => ({ and_ids: { ids: list } });
const orIds = (...list: ProtoObject[]): ProtoObject => ({ or_ids: { ids: list } });
const orRules = (...list: ProtoObject[]): ProtoObject => ({ or_rules: { rules: list } });
const ANY_PERMISSION = and({ any: true });
const ANY_PRINCIPAL = ids({ any: true });
const authn = (m: ProtoObject): ProtoObject => ({ authenticated: { principal_name: m } });
const jwt = (path: string[], value: ProtoObject): ProtoObject => ({ metadata: { filter: 'envoy.filters.http.jwt_authn', path: ['payload', ...path].map((key) => ({ key })), value } });
const claimOf = (v: ProtoObject): ProtoObject => ({ or_match: { value_matchers: [{ list_match: { one_of: v } }, v] } });

function policy(rule: AuthorizationRule, c = ctx()): ProtoObject {
  const r = rulePolicy(rule, c);
  assert.ok('policy' in r, `rule skipped: ${'skipped' in r ? r.skipped : ''}`);
  return r.policy;
}

describe('AuthorizationPolicy rule → Envoy RBAC policy', () => {
  const cases: Array<{ name: string; rule: AuthorizationRule; permissions?: ProtoObject[]; principals?: ProtoObject[]; c?: ReturnType<typeof ctx> }> = [
    { name: 'empty rule matches everything', rule: {}, permissions: [ANY_PERMISSION], principals: [ANY_PRINCIPAL] },
    {
      name: 'principals: exact, prefix, suffix (regex with spiffe://), any',
      rule: { from: [{ source: { principals: ['cluster.local/ns/a/sa/b', 'pre*', '*.suf', '*'] } }] },
      principals: [ids(orIds(authn({ exact: 'spiffe://cluster.local/ns/a/sa/b' }), authn({ prefix: 'spiffe://pre' }), authn({ safe_regex: { regex: 'spiffe://.*\\.suf' } }), authn({ safe_regex: { regex: '.+' } })))],
    },
    {
      name: 'notPrincipals and notNamespaces negate an OR',
      rule: { from: [{ source: { notPrincipals: ['cluster.local/ns/x/sa/y'], notNamespaces: ['bar', 'ns-*'] } }] },
      principals: [ids(
        { not_id: orIds(authn({ exact: 'spiffe://cluster.local/ns/x/sa/y' })) },
        { not_id: orIds(authn({ safe_regex: { regex: '.*/ns/bar/.*' } }), authn({ safe_regex: { regex: '.*/ns/ns-.*/.*' } })) },
      )],
    },
    {
      name: 'ipBlocks → direct_remote_ip, remoteIpBlocks → remote_ip (source order of istiod)',
      rule: { from: [{ source: { ipBlocks: ['198.18.0.1'], remoteIpBlocks: ['203.0.113.0/24'], notIpBlocks: ['2001:db8::/32'] } }] },
      principals: [ids(
        orIds({ remote_ip: { address_prefix: '203.0.113.0', prefix_len: { value: 24 } } }),
        orIds({ direct_remote_ip: { address_prefix: '198.18.0.1', prefix_len: { value: 32 } } }),
        { not_id: orIds({ direct_remote_ip: { address_prefix: '2001:db8::', prefix_len: { value: 32 } } }) },
      )],
    },
    {
      name: 'requestPrincipals: iss/sub split at the last slash, wildcards',
      rule: { from: [{ source: { requestPrincipals: ['https://issuer.example/sub1', '*'] } }] },
      principals: [ids(orIds(
        ids(jwt(['iss'], { string_match: { exact: 'https://issuer.example' } }), jwt(['sub'], { string_match: { exact: 'sub1' } })),
        ids(jwt(['iss'], { string_match: { safe_regex: { regex: '.+' } } }), jwt(['sub'], { string_match: { safe_regex: { regex: '.+' } } })),
      ))],
    },
    {
      name: 'serviceAccounts: namespace/name and a name in the policy namespace',
      rule: { from: [{ source: { serviceAccounts: ['ns1/sa1', 'sa2'] } }] },
      principals: [ids(orIds(authn({ safe_regex: { regex: 'spiffe://.+/ns/ns1/(.+/|)sa/sa1(/.+)?' } }), authn({ safe_regex: { regex: 'spiffe://.+/ns/foo/(.+/|)sa/sa2(/.+)?' } })))],
    },
    {
      name: 'names inside istiod regexes: dots kept as istiod writes them, other RE2 metacharacters escaped',
      rule: { from: [{ source: { namespaces: ['a(b*'] } }, { source: { serviceAccounts: ['ns1/my.sa+x'] } }] },
      principals: [
        ids(orIds(authn({ safe_regex: { regex: '.*/ns/a\\(b.*/.*' } }))),
        ids(orIds(authn({ safe_regex: { regex: 'spiffe://.+/ns/ns1/(.+/|)sa/my.sa\\+x(/.+)?' } }))),
      ],
    },
    {
      name: 'operation: hosts (ignore case), methods, paths (prefix, suffix, template, *), ports — in istiod order',
      rule: { to: [{ operation: { ports: ['8000'], paths: ['/api/*', '*.png', '/u/{*}/x/{**}', '*'], methods: ['GET'], hosts: ['*.example.com', '*'] } }] },
      permissions: [and(
        orRules({ header: { name: ':authority', string_match: { suffix: '.example.com', ignore_case: true } } }, { header: { name: ':authority', present_match: true } }),
        orRules({ header: { name: ':method', string_match: { exact: 'GET' } } }),
        orRules(
          { url_path: { path: { prefix: '/api/' } } },
          { url_path: { path: { suffix: '.png' } } },
          { url_path: { path: { safe_regex: { regex: "/u/[a-zA-Z0-9\\-._~%!$&'()+,;:@=]+/x/[a-zA-Z0-9\\-._~%!$&'()+,;:@=/]*" } } } },
          { url_path: { path: { safe_regex: { regex: '.+' } } } },
        ),
        orRules({ destination_port: 8000 }),
      )],
    },
    {
      name: 'notPaths and notMethods',
      rule: { to: [{ operation: { notPaths: ['/admin'], notMethods: ['DELETE'] } }] },
      permissions: [and(
        { not_rule: orRules({ header: { name: ':method', string_match: { exact: 'DELETE' } } }) },
        { not_rule: orRules({ url_path: { path: { exact: '/admin' } } }) },
      )],
    },
    {
      name: 'when: permission keys appended to every permission, principal keys to every principal',
      rule: {
        to: [{ operation: { methods: ['GET'] } }, { operation: { ports: ['80'] } }],
        when: [
          { key: 'destination.port', values: ['9000'] },
          { key: 'destination.ip', values: ['198.18.0.0/16'] },
          { key: 'connection.sni', values: ['*.local'] },
          { key: 'request.headers[X-User]', values: ['alice'], notValues: ['bob*'] },
          { key: 'source.ip', values: ['198.18.0.5'] },
          { key: 'source.namespace', values: ['default'] },
        ],
      },
      permissions: [
        and(orRules({ header: { name: ':method', string_match: { exact: 'GET' } } }), orRules({ destination_port: 9000 }), orRules({ destination_ip: { address_prefix: '198.18.0.0', prefix_len: { value: 16 } } }), orRules({ requested_server_name: { suffix: '.local' } })),
        and(orRules({ destination_port: 80 }), orRules({ destination_port: 9000 }), orRules({ destination_ip: { address_prefix: '198.18.0.0', prefix_len: { value: 16 } } }), orRules({ requested_server_name: { suffix: '.local' } })),
      ],
      principals: [ids(
        orIds({ header: { name: 'X-User', string_match: { exact: 'alice' } } }),
        { not_id: orIds({ header: { name: 'X-User', string_match: { prefix: 'bob' } } }) },
        orIds({ direct_remote_ip: { address_prefix: '198.18.0.5', prefix_len: { value: 32 } } }),
        orIds(authn({ safe_regex: { regex: '.*/ns/default/.*' } })),
      )],
    },
    {
      name: 'when: JWT claims (nested, lists), audiences, presenter, request principal',
      rule: {
        when: [
          { key: 'request.auth.claims[groups]', values: ['admin', 'dev*'] },
          { key: 'request.auth.claims[a][b]', values: ['x'] },
          { key: 'request.auth.audiences', values: ['aud1'] },
          { key: 'request.auth.presenter', notValues: ['bad'] },
          { key: 'request.auth.principal', values: ['iss/sub'] },
        ],
      },
      principals: [ids(
        jwt(['groups'], claimOf({ or_match: { value_matchers: [{ string_match: { exact: 'admin' } }, { string_match: { prefix: 'dev' } }] } })),
        jwt(['a', 'b'], claimOf({ string_match: { exact: 'x' } })),
        jwt(['aud'], claimOf({ string_match: { exact: 'aud1' } })),
        { not_id: jwt(['azp'], claimOf({ string_match: { exact: 'bad' } })) },
        ids(jwt(['iss'], { string_match: { exact: 'iss' } }), jwt(['sub'], { string_match: { exact: 'sub' } })),
      )],
    },
    {
      name: 'when: experimental Envoy filter metadata, list values in brackets',
      rule: { when: [{ key: 'experimental.envoy.filters.network.mysql_proxy[db.table]', values: ['[update]', 'x*'] }] },
      permissions: [and({ metadata: { filter: 'envoy.filters.network.mysql_proxy', path: [{ key: 'db.table' }], value: { or_match: { value_matchers: [{ list_match: { one_of: { string_match: { exact: 'update' } } } }, { string_match: { prefix: 'x' } }] } } } })],
    },
    {
      name: 'TCP chain, DENY: HTTP-only attributes are left out (the rule denies more)',
      rule: { to: [{ operation: { paths: ['/admin'], ports: ['9000'] } }], from: [{ source: { requestPrincipals: ['*'], namespaces: ['bad'] } }] },
      c: ctx('DENY', true),
      permissions: [and(orRules({ destination_port: 9000 }))],
      principals: [ids(orIds(authn({ safe_regex: { regex: '.*/ns/bad/.*' } })))],
    },
    {
      name: 'TCP chain, DENY with only HTTP attributes: denies every connection',
      rule: { to: [{ operation: { methods: ['POST'] } }] },
      c: ctx('DENY', true),
      permissions: [ANY_PERMISSION],
      principals: [ANY_PRINCIPAL],
    },
    {
      name: 'source.principal values expanded for trust domain aliases',
      rule: { from: [{ source: { principals: ['cluster.local/ns/a/sa/b', 'other.org/ns/a/sa/b', '*/ns/a/sa/c'] } }] },
      c: ctx('ALLOW', false, trustDomainBundle('td1', ['td2'])),
      principals: [ids(orIds(
        authn({ exact: 'spiffe://td1/ns/a/sa/b' }), authn({ exact: 'spiffe://td2/ns/a/sa/b' }),
        authn({ exact: 'spiffe://other.org/ns/a/sa/b' }), authn({ safe_regex: { regex: 'spiffe://.*/ns/a/sa/c' } }),
      ))],
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const p = policy(tc.rule, tc.c);
      assert.deepEqual(p.permissions, tc.permissions ?? [ANY_PERMISSION]);
      assert.deepEqual(p.principals, tc.principals ?? [ANY_PRINCIPAL]);
    });
  }

  it('TCP chain, ALLOW: a rule with an HTTP-only attribute is dropped (matches nothing)', () => {
    for (const rule of [
      { to: [{ operation: { paths: ['/x'] } }] },
      { to: [{ operation: { ports: ['80'], methods: ['GET'] } }] },
      { from: [{ source: { requestPrincipals: ['*'] } }] },
      { when: [{ key: 'request.headers[x]', values: ['y'] }] },
      { when: [{ key: 'request.auth.claims[iss]', values: ['y'] }] },
    ] satisfies AuthorizationRule[]) {
      const r = rulePolicy(rule, ctx('ALLOW', true));
      assert.ok('skipped' in r && /HTTP only/.test(r.skipped), JSON.stringify(rule));
    }
    // TCP attributes still work.
    assert.deepEqual(policy({ to: [{ operation: { ports: ['80'] } }] }, ctx('ALLOW', true)).permissions, [and(orRules({ destination_port: 80 }))]);
  });

  it('an unknown when key skips the rule', () => {
    const r = rulePolicy({ when: [{ key: 'destination.labels[x]', values: ['y'] }] }, ctx());
    assert.deepEqual(r, { skipped: 'unknown attribute destination.labels[x]' });
  });

  it('trust domain expansion follows istiod (cluster.local means this mesh, wildcards kept)', () => {
    const b = trustDomainBundle('new.td', ['old.td', '*-legacy']);
    assert.deepEqual(expandTrustDomains(b, ['old.td/ns/a/sa/b']), ['new.td/ns/a/sa/b', 'old.td/ns/a/sa/b', '*-legacy/ns/a/sa/b']);
    assert.deepEqual(expandTrustDomains(b, ['cluster.local/ns/a/sa/b']), ['new.td/ns/a/sa/b', 'old.td/ns/a/sa/b', '*-legacy/ns/a/sa/b']);
    assert.deepEqual(expandTrustDomains(b, ['foreign/ns/a/sa/b', 'ns/a/sa/b', '*']), ['foreign/ns/a/sa/b', 'ns/a/sa/b', '*']);
    assert.deepEqual(expandTrustDomains(b, ['x-legacy/ns/a/sa/b']), ['new.td/ns/a/sa/b', 'old.td/ns/a/sa/b', '*-legacy/ns/a/sa/b']);
  });
});
