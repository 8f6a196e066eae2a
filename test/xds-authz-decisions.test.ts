// Decisions of generated AuthorizationPolicy config: the controller's listener goes through
// the proxy's xds translation and RBAC engine, and requests get Istio's documented answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionInfo } from '../src/proxy/config/snapshot-holder.js';
import type { HttpConnectionManagerConfig, ListenerConfig, NetworkFilter } from '../src/proxy/config/model.js';
import type { DynamicMetadata } from '../src/proxy/matchers/metadata-matcher.js';
import { compileRbacRules } from '../src/proxy/rbac/rbac-rules.js';
import { evaluateRbac } from '../src/proxy/rbac/rbac-evaluation.js';
import { RbacRequest } from '../src/proxy/rbac/rbac-request.js';
import type { RbacCounters } from '../src/proxy/rbac/rbac-stats.js';
import { XDS_TYPE } from '../src/proxy/xds-client/resource-types.js';
import { translateResource } from '../src/proxy/xds-client/translate-resource.js';
import { selectGenerator } from '../src/xds/generators/select.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { bookinfoPush, productpageProxy } from './xds-sidecar-fixture.js';

const HTTP_RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';

/** A counter that counts nothing (the engine's stats are not under test here). */
const noop = { inc: () => undefined };
const COUNTERS = { allowed: noop, denied: noop, shadowAllowed: noop, shadowDenied: noop, logged: noop, notLogged: noop } as unknown as RbacCounters;

interface Req {
  /** HTTP request; absent for a TCP connection. */
  method?: string;
  path?: string;
  authority?: string;
  headers?: Record<string, string>;
  peer?: string;
  sourceIp?: string;
  port?: number;
  jwt?: Record<string, unknown>;
}

/** The productpage virtualInbound listener of a push, as the proxy translates it. */
function inbound(policies: string): ListenerConfig {
  const push = bookinfoPush(policies);
  const proxy = productpageProxy();
  const r = selectGenerator(TYPE_URL.listener, proxy)!(push, proxy, ['virtualInbound'])[0]!;
  return translateResource(XDS_TYPE.listener, r.resource as never, 'v', 0, () => '', r.name).value;
}

/** Runs the RBAC filters of the chain a request would take, in order; the first denial wins. */
function decide(listener: ListenerConfig, req: Req): 'allow' | 'deny' {
  const port = req.port ?? 9080;
  const tcp = req.method === undefined;
  // The workload port's plaintext chain, else the passthrough chain of undeclared ports.
  const chain = listener.filterChains.find((c) => c.match.destinationPort === port && c.match.transportProtocol === 'raw_buffer')
    ?? listener.filterChains.find((c) => c.match.destinationPort === undefined && c.match.transportProtocol === undefined);
  assert.ok(chain, `no plaintext chain for port ${port}`);
  assert.equal(tcp, chain.filters.some((f) => f.kind === 'tcp_proxy'), 'TCP connections to TCP chains, HTTP requests to HTTP chains');
  const filters = chain.filters as readonly NetworkFilter[];
  const configs: unknown[] = [];
  for (const f of filters) {
    if (f.kind === 'network_rbac' && tcp) configs.push(f.config);
    if (f.kind === 'http_connection_manager' && !tcp) {
      for (const h of (f as HttpConnectionManagerConfig).httpFilters) if (h.typeUrl === HTTP_RBAC_TYPE) configs.push(h.config);
    }
  }
  const connection: ConnectionInfo = {
    id: 1, remoteAddress: req.sourceIp ?? '198.18.0.21', remotePort: 40000, localAddress: '198.18.0.10', localPort: port,
    originalDestination: { address: '198.18.0.10', port }, tlsTerminated: req.peer !== undefined,
    ...(req.peer ? { peerPrincipal: req.peer } : {}), listenerName: 'virtualInbound', filterChainName: 'x',
  };
  const holder: { dynamicMetadata: DynamicMetadata | undefined } = { dynamicMetadata: req.jwt ? { 'envoy.filters.http.jwt_authn': { payload: req.jwt } } : undefined };
  const http = tcp ? undefined : { method: req.method!, path: req.path ?? '/', authority: req.authority ?? 'productpage:9080', scheme: 'http', headers: req.headers ?? {} };
  const rbacReq = new RbacRequest(connection, http, connection.remoteAddress, () => holder.dynamicMetadata);
  for (const raw of configs) {
    const compiled = compileRbacRules(raw, tcp ? 'network' : 'http');
    assert.ok(compiled.ok, JSON.stringify(compiled));
    if (!evaluateRbac(compiled.rules, rbacReq, COUNTERS, 'envoy.filters.http.rbac', holder).allowed) return 'deny';
  }
  return 'allow';
}

const ap = (name: string, spec: string, ns = 'default'): string => `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ${name}, namespace: ${ns}}
spec: ${spec}
`;
const SLEEP = 'spiffe://cluster.local/ns/default/sa/sleep';
const OTHER_NS = 'spiffe://cluster.local/ns/other/sa/client';

describe('decisions of generated authorization config, run by the proxy RBAC engine', () => {
  const cases: Array<{ name: string; policies: string; allow: Req[]; deny: Req[] }> = [
    { name: 'no policy allows everything', policies: '', allow: [{ method: 'GET' }, { method: 'POST', path: '/admin' }], deny: [] },
    { name: 'allow-nothing (spec {}) denies everything', policies: ap('none', '{}'), allow: [], deny: [{ method: 'GET' }, { method: 'GET', peer: SLEEP }] },
    {
      name: 'ALLOW by principal and method',
      policies: ap('p', '{rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}], to: [{operation: {methods: [GET]}}]}]}'),
      allow: [{ method: 'GET', peer: SLEEP }],
      deny: [{ method: 'POST', peer: SLEEP }, { method: 'GET', peer: OTHER_NS }, { method: 'GET' }],
    },
    {
      name: 'ALLOW by namespace, wildcard',
      policies: ap('p', '{rules: [{from: [{source: {namespaces: ["oth*"]}}]}]}'),
      allow: [{ method: 'GET', peer: OTHER_NS }],
      deny: [{ method: 'GET', peer: SLEEP }, { method: 'GET' }],
    },
    {
      name: 'DENY with notPaths: everything but /public/* is denied',
      policies: ap('d', '{action: DENY, rules: [{to: [{operation: {notPaths: ["/public/*"]}}]}]}'),
      allow: [{ method: 'GET', path: '/public/a' }],
      deny: [{ method: 'GET', path: '/private' }, { method: 'GET', path: '/' }],
    },
    {
      name: 'ALLOW by header and hosts (case-insensitive)',
      policies: ap('p', '{rules: [{to: [{operation: {hosts: ["Productpage*"]}}], when: [{key: "request.headers[X-Version]", values: [v1]}]}]}'),
      allow: [{ method: 'GET', authority: 'productpage:9080', headers: { 'x-version': 'v1' } }],
      deny: [{ method: 'GET', authority: 'productpage:9080', headers: { 'x-version': 'v2' } }, { method: 'GET', authority: 'reviews', headers: { 'x-version': 'v1' } }],
    },
    {
      name: 'ALLOW by source IP block and path template',
      policies: ap('p', '{rules: [{from: [{source: {ipBlocks: [198.18.0.0/24]}}], to: [{operation: {paths: ["/api/{*}/items"]}}]}]}'),
      allow: [{ method: 'GET', path: '/api/v1/items', sourceIp: '198.18.0.9' }],
      deny: [{ method: 'GET', path: '/api/v1/x/items', sourceIp: '198.18.0.9' }, { method: 'GET', path: '/api/v1/items', sourceIp: '198.18.1.9' }],
    },
    {
      name: 'ALLOW by JWT request principal and claim (list claims too)',
      policies: ap('p', '{rules: [{from: [{source: {requestPrincipals: ["https://issuer.example/*"]}}], when: [{key: "request.auth.claims[groups]", values: [admin]}]}]}'),
      allow: [{ method: 'GET', jwt: { iss: 'https://issuer.example', sub: 'alice', groups: ['dev', 'admin'] } }, { method: 'GET', jwt: { iss: 'https://issuer.example', sub: 'bob', groups: 'admin' } }],
      deny: [{ method: 'GET', jwt: { iss: 'https://issuer.example', sub: 'alice', groups: ['dev'] } }, { method: 'GET', jwt: { iss: 'https://other', sub: 'alice', groups: ['admin'] } }, { method: 'GET' }],
    },
    {
      name: 'DENY wins over ALLOW; AUDIT never decides',
      policies: ap('a', '{rules: [{}]}') + ap('d', '{action: DENY, rules: [{to: [{operation: {methods: [DELETE]}}]}]}') + ap('log', '{action: AUDIT, rules: [{}]}'),
      allow: [{ method: 'GET' }],
      deny: [{ method: 'DELETE' }],
    },
    {
      name: 'dry-run has no effect',
      policies: '---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: dry, namespace: default, annotations: {istio.io/dry-run: "true"}}\nspec: {action: DENY, rules: [{}]}\n',
      allow: [{ method: 'GET' }],
      deny: [],
    },
    {
      name: 'TCP: ALLOW on ports works; an ALLOW rule with methods is dropped on TCP',
      policies: ap('p', '{rules: [{to: [{operation: {ports: ["3306"]}}]}, {to: [{operation: {methods: [GET]}}]}]}'),
      allow: [{ method: 'GET', port: 9080 }, { port: 3306 }],
      deny: [{ port: 5000 }, { method: 'POST', port: 9080 }],
    },
    {
      name: 'TCP: a DENY rule with only HTTP attributes denies every connection',
      policies: ap('d', '{action: DENY, rules: [{to: [{operation: {methods: [POST]}}]}]}'),
      allow: [{ method: 'GET', port: 9080 }],
      deny: [{ port: 3306 }, { method: 'POST', port: 9080 }],
    },
    {
      name: 'every source, operation and when key compiles in the proxy engine (HTTP and TCP chains)',
      policies: ap('all', `{rules: [{
        from: [{source: {principals: ["*"], notPrincipals: [a/ns/b/sa/c], requestPrincipals: ["iss/*"], notRequestPrincipals: ["*/x"], namespaces: ["de*"], notNamespaces: [x],
          ipBlocks: [198.18.0.0/16], notIpBlocks: ["2001:db8::/32"], remoteIpBlocks: [198.18.0.1], notRemoteIpBlocks: [203.0.113.0/24]}},
          {source: {serviceAccounts: [sleep, other/client], notServiceAccounts: [bad]}}],
        to: [{operation: {hosts: ["*.local", "Productpage*"], notHosts: [evil.com], methods: [GET], notMethods: [DELETE], paths: ["/a/{**}", "*.png", "/x*"], notPaths: [/admin], ports: ["9080"], notPorts: ["1"]}}],
        when: [
          {key: "request.headers[x-a]", values: ["*"], notValues: [no]},
          {key: source.ip, values: [198.18.0.0/16]}, {key: remote.ip, notValues: [192.0.2.1]},
          {key: source.namespace, values: [default]}, {key: source.principal, values: ["*"]}, {key: source.serviceAccount, values: [default/sleep]},
          {key: source.trustDomain, values: [cluster.local]},
          {key: request.auth.principal, values: ["iss/sub"]}, {key: request.auth.audiences, values: [aud]}, {key: request.auth.presenter, values: [azp]},
          {key: "request.auth.claims[groups]", values: [a, b]}, {key: "request.auth.claims[n1][n2]", values: [x]},
          {key: destination.ip, values: [198.18.0.10]}, {key: destination.port, values: ["9080"]}, {key: connection.sni, values: ["*"]},
          {key: "experimental.envoy.filters.network.x[k]", values: ["[v]", w]}]}]}`),
      allow: [],
      deny: [{ method: 'GET', peer: SLEEP }, { port: 3306, peer: SLEEP }],
    },
    {
      name: 'trust domain aliases: a policy for the old trust domain matches the new one',
      policies: '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    trustDomain: new.td\n    trustDomainAliases: [old.td]\n' + ap('p', '{rules: [{from: [{source: {principals: [old.td/ns/default/sa/sleep]}}]}]}'),
      allow: [{ method: 'GET', peer: 'spiffe://new.td/ns/default/sa/sleep' }, { method: 'GET', peer: 'spiffe://old.td/ns/default/sa/sleep' }],
      deny: [{ method: 'GET', peer: 'spiffe://evil.td/ns/default/sa/sleep' }],
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const l = inbound(tc.policies);
      let counted = 0;
      for (const r of tc.allow) {
        assert.equal(decide(l, r), 'allow', `expected allow: ${JSON.stringify(r)}`);
        counted++;
      }
      for (const r of tc.deny) {
        assert.equal(decide(l, r), 'deny', `expected deny: ${JSON.stringify(r)}`);
        counted++;
      }
      assert.equal(counted, tc.allow.length + tc.deny.length);
    });
  }
});
