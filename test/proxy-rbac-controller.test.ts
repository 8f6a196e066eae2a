// The controller's AuthorizationPolicy output as the proxy receives it: every RBAC filter the
// generator emits for a workload passes the proxy's translation (no NACK), and the compiled
// engines decide requests the way Istio documents.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadText } from '../src/config/load.js';
import type { HttpConnectionManagerConfig, ListenerConfig, NetworkRbacFilter } from '../src/proxy/config/model.js';
import type { ConnectionInfo } from '../src/proxy/config/snapshot-holder.js';
import { parseRbacConfig, RBAC_TYPE_URL } from '../src/proxy/filters/rbac/config.js';
import { parseNetworkRbacConfig } from '../src/proxy/filters/rbac/network-config.js';
import { isAllowed } from '../src/proxy/rbac/policy-engine.js';
import type { RbacRules } from '../src/proxy/rbac/rbac-evaluation.js';
import { RbacRequest, type RbacHttpFacts } from '../src/proxy/rbac/rbac-request.js';
import { XDS_TYPE } from '../src/proxy/xds-client/resource-types.js';
import { translateResource } from '../src/proxy/xds-client/translate-resource.js';
import { virtualInboundListener } from '../src/xds/generators/listener-inbound.js';
import { sidecarScope } from '../src/xds/generators/sidecar-scope.js';
import { encodeMessage } from '../src/xds/protos.js';
import { parseNode } from '../src/xds/proxy.js';
import { buildPushContext } from '../src/xds/push-context.js';
import { jsonToStruct } from '../src/xds/struct.js';

const MESH = `
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: foo}
spec: {clusterIP: 198.19.1.1, selector: {app: httpbin}, ports: [{name: http, port: 8000}, {name: tcp, port: 9000}]}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: httpbin-1, namespace: foo}
spec: {address: 198.18.1.10, labels: {app: httpbin}, serviceAccount: httpbin}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    trustDomain: cluster.local
    trustDomainAliases: [old.td]
    extensionProviders:
    - name: http-authz
      envoyExtAuthzHttp: {service: ext-authz.foo.svc.cluster.local, port: 8000}
    - name: grpc-authz
      envoyExtAuthzGrpc: {service: ext-authz.foo.svc.cluster.local, port: 9000}
---
apiVersion: v1
kind: Service
metadata: {name: ext-authz, namespace: foo}
spec: {clusterIP: 198.19.1.2, selector: {app: ext-authz}, ports: [{name: http, port: 8000}, {name: grpc, port: 9000}]}
`;

const ap = (name: string, spec: string, annotations = ''): string =>
  `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: foo${annotations ? `, annotations: {${annotations}}` : ''}}\nspec: ${spec}\n---\n`;

const noFiles = (path: string): string => {
  throw new Error(`no file ${path}`);
};

/** The inbound listener the controller builds for httpbin, through the proxy's own translation. */
function inbound(policies: string): ListenerConfig {
  const { resources, problems } = loadText(`${MESH}\n---\n${policies}`, 'mesh.yaml');
  assert.deepEqual(problems, []);
  const push = buildPushContext({ resources: resources.map((r) => r.resource) });
  const proxy = parseNode({
    id: 'sidecar~198.18.1.10~httpbin-1.foo~foo.svc.cluster.local',
    metadata: jsonToStruct({ NAMESPACE: 'foo', LABELS: { app: 'httpbin' }, SERVICE_ACCOUNT: 'httpbin', INSTANCE_IPS: '198.18.1.10' }),
  });
  const listener = virtualInboundListener(sidecarScope(push, proxy));
  const wire = { type_url: 'type.googleapis.com/envoy.config.listener.v3.Listener', value: encodeMessage('envoy.config.listener.v3.Listener', listener) };
  return translateResource(XDS_TYPE.listener, wire, 'v1', 0, noFiles).value as ListenerConfig;
}

/** The compiled RBAC filters of the plaintext HTTP chain for port 8000, and of the TCP chain for 9000, in chain order. */
function rbacOf(l: ListenerConfig): { http: RbacRules[]; tcp: RbacRules[] } {
  const chainFor = (port: number, wantHcm: boolean) =>
    l.filterChains.find((c) => c.match.destinationPort === port && c.match.transportProtocol !== 'tls' && c.filters.some((f) => f.kind === 'http_connection_manager') === wantHcm);
  const httpChain = chainFor(8000, true);
  const tcpChain = chainFor(9000, false);
  assert.ok(httpChain && tcpChain, 'plaintext chains for 8000 (HTTP) and 9000 (TCP)');
  const hcm = httpChain.filters.find((f): f is HttpConnectionManagerConfig => f.kind === 'http_connection_manager')!;
  const http = hcm.httpFilters.filter((f) => f.typeUrl === RBAC_TYPE_URL).map((f) => {
    const parsed = parseRbacConfig(f.config);
    assert.ok(parsed.ok);
    return parsed.config;
  });
  const tcp = tcpChain.filters.filter((f): f is NetworkRbacFilter => f.kind === 'network_rbac').map((f) => {
    const parsed = parseNetworkRbacConfig(f.config);
    assert.ok(parsed.ok);
    return parsed.config;
  });
  return { http, tcp };
}

interface Req {
  principal?: string;
  remote?: string;
  port?: number;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  jwt?: Record<string, unknown>;
}

/** Runs the filters in order like the chain does: the first denial wins. */
function decide(filters: readonly RbacRules[], r: Req, http: boolean): boolean {
  const connection = {
    id: 1, remoteAddress: r.remote ?? '198.18.1.20', remotePort: 5000, localAddress: '198.18.1.10', localPort: 15006,
    originalDestination: { address: '198.18.1.10', port: r.port ?? (http ? 8000 : 9000) },
    tlsTerminated: r.principal !== undefined, ...(r.principal ? { peerPrincipal: r.principal } : {}), listenerName: 'virtualInbound', filterChainName: 'c',
  } as ConnectionInfo;
  const facts: RbacHttpFacts | undefined = http ? { method: r.method ?? 'GET', path: r.path ?? '/', authority: 'httpbin.foo:8000', scheme: 'http', headers: r.headers ?? {} } : undefined;
  const metadata = r.jwt ? { 'envoy.filters.http.jwt_authn': { payload: r.jwt } } : undefined;
  const req = new RbacRequest(connection, facts, connection.remoteAddress, () => metadata);
  return filters.every((f) => !f.engine || isAllowed(f.engine.action, f.engine.matchingPolicy(req)));
}

const SLEEP = 'spiffe://cluster.local/ns/foo/sa/sleep';
const BAR = 'spiffe://cluster.local/ns/bar/sa/client';
const OLD_TD = 'spiffe://old.td/ns/bar/sa/client';

describe('controller RBAC through the proxy', () => {
  it('allow-nothing: every HTTP request and TCP connection is denied', () => {
    const { http, tcp } = rbacOf(inbound(ap('allow-nothing', '{}')));
    assert.equal(decide(http, { principal: SLEEP }, true), false);
    assert.equal(decide(tcp, { principal: SLEEP }, false), false);
  });

  it('sources, operations and conditions decide as Istio documents', () => {
    const allow = ap('allow', `{rules: [${[
        '{from: [{source: {namespaces: [bar]}}], to: [{operation: {methods: [GET], paths: ["/ip", "/headers"]}}]}',
        '{from: [{source: {principals: ["cluster.local/ns/foo/sa/sleep"]}}], to: [{operation: {ports: ["8000", "9000"]}}], when: [{key: "request.headers[x-token]", values: ["admin"]}]}',
        '{from: [{source: {requestPrincipals: ["https://issuer.example/*"]}}], when: [{key: "request.auth.claims[groups]", values: [ops]}]}',
        '{from: [{source: {ipBlocks: ["203.0.113.0/24"]}}]}',
      ].join(', ')}]}`);
    const denyAdmin = ap('deny-admin', '{action: DENY, rules: [{to: [{operation: {paths: ["/admin*"]}}]}]}');
    const { http } = rbacOf(inbound(denyAdmin + allow));
    const { tcp } = rbacOf(inbound(allow));
    const table: { name: string; req: Req; http: boolean; want: boolean }[] = [
      { name: 'namespace bar, GET /ip', req: { principal: BAR, path: '/ip' }, http: true, want: true },
      { name: 'trust domain alias old.td counts as cluster.local', req: { principal: OLD_TD, path: '/headers' }, http: true, want: true },
      { name: 'namespace bar, POST /ip', req: { principal: BAR, method: 'POST', path: '/ip' }, http: true, want: false },
      { name: 'namespace bar, GET /status', req: { principal: BAR, path: '/status' }, http: true, want: false },
      { name: 'namespace bar, DENY on /admin wins', req: { principal: BAR, path: '/admin/x' }, http: true, want: false },
      { name: 'sleep with the header', req: { principal: SLEEP, path: '/anything', headers: { 'x-token': 'admin' } }, http: true, want: true },
      { name: 'sleep without the header', req: { principal: SLEEP, path: '/anything' }, http: true, want: false },
      { name: 'JWT issuer and group claim (list)', req: { path: '/x', jwt: { iss: 'https://issuer.example', sub: 'alice', groups: ['dev', 'ops'] } }, http: true, want: true },
      { name: 'JWT without the group', req: { path: '/x', jwt: { iss: 'https://issuer.example', sub: 'alice', groups: ['dev'] } }, http: true, want: false },
      { name: 'ipBlocks', req: { remote: '203.0.113.7' }, http: true, want: true },
      { name: 'plaintext stranger', req: {}, http: true, want: false },
      // TCP: rules with HTTP-only fields are dropped from ALLOW; the DENY on paths never matches.
      { name: 'TCP: namespace bar rule had methods/paths: gone', req: { principal: BAR }, http: false, want: false },
      { name: 'TCP: sleep rule had a request header condition: gone', req: { principal: SLEEP, port: 9000 }, http: false, want: false },
      { name: 'TCP: ipBlocks rule stays', req: { remote: '203.0.113.7' }, http: false, want: true },
    ];
    for (const c of table) assert.equal(decide(c.http ? http : tcp, c.req, c.http), c.want, c.name);
    // A DENY rule whose only condition is HTTP-only matches every TCP connection (Istio's TCP task).
    const denyTcp = rbacOf(inbound(denyAdmin + allow)).tcp;
    assert.equal(decide(denyTcp, { remote: '203.0.113.7' }, false), false);
  });

  it('the whole istiod chain (jwt_authn, CUSTOM shadow RBAC + ext_authz, AUDIT, DENY, ALLOW) is accepted, in order', () => {
    const jwks = JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' }] });
    const reqAuthn = `apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: jwt, namespace: foo}\nspec: {selector: {matchLabels: {app: httpbin}}, jwtRules: [{issuer: "https://issuer.example", jwks: '${jwks}'}]}\n---\n`;
    const l = inbound([
      reqAuthn,
      ap('custom-http', '{action: CUSTOM, provider: {name: http-authz}, rules: [{to: [{operation: {paths: ["/secure*"]}}]}]}'),
      ap('audit', '{action: AUDIT, rules: [{to: [{operation: {methods: [POST]}}]}]}'),
      ap('deny', '{action: DENY, rules: [{to: [{operation: {paths: ["/admin"]}}]}]}'),
      ap('allow', '{rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]}'),
    ].join(''));
    const chain = l.filterChains.find((c) => c.match.destinationPort === 8000 && c.match.transportProtocol !== 'tls' && c.filters.some((f) => f.kind === 'http_connection_manager'))!;
    const hcm = chain.filters.find((f): f is HttpConnectionManagerConfig => f.kind === 'http_connection_manager')!;
    assert.deepEqual(hcm.httpFilters.map((f) => f.name).filter((n) => /jwt|rbac|ext_authz/.test(n)), [
      'envoy.filters.http.jwt_authn', 'envoy.filters.http.rbac', 'envoy.filters.http.ext_authz', 'envoy.filters.http.rbac', 'envoy.filters.http.rbac', 'envoy.filters.http.rbac',
    ]);
    const { http } = rbacOf(l);
    assert.deepEqual(http.map((r) => [r.engine?.action, r.shadow?.action]), [[undefined, 'DENY'], ['LOG', undefined], ['DENY', undefined], ['ALLOW', undefined]]);
    assert.equal(http[0]!.shadowRulesStatPrefix, 'istio_ext_authz_');
    assert.equal(decide(http, { path: '/ip', jwt: { iss: 'https://issuer.example', sub: 'alice' } }, true), true);
    assert.equal(decide(http, { path: '/ip' }, true), false, 'requestPrincipals * needs a verified token');
    assert.equal(decide(http, { path: '/admin', jwt: { iss: 'https://issuer.example', sub: 'alice' } }, true), false);
  });

  it('dry-run policies are shadow rules: they never change the decision', () => {
    const { http } = rbacOf(inbound(ap('dry', '{action: DENY, rules: [{}]}', '"istio.io/dry-run": "true"')));
    assert.ok(http.length > 0 && http.every((f) => f.engine === undefined && f.shadow !== undefined));
    assert.equal(decide(http, { principal: SLEEP }, true), true);
    assert.equal(http[0]!.shadowRulesStatPrefix, 'istio_dry_run_deny_');
  });
});
