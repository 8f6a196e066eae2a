import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadText } from '../../config/load.js';
import { packedToJson } from '../proto-json.js';
import type { ProtoObject } from '../protos.js';
import type { VirtualServiceSpec } from '../../api/kinds/virtual-service/types.js';
import { parseNode, type ProxyInfo } from '../proxy.js';
import { buildPushContext, type PushContext } from '../push-context.js';
import { jsonToStruct } from '../struct.js';
import { gatewayRoutes } from './gateway-routes.js';
import { virtualServiceRoutes } from './http-routes.js';
import { jwtAuthnFilter } from './jwt-authn-filter.js';
import { routingClaimPath } from './jwt-claim-match.js';
import { sidecarRoutes } from './sidecar-routes.js';

type O = ProtoObject;

const MESH = `
apiVersion: v1
kind: Service
metadata: {name: admin, namespace: shop}
spec: {clusterIP: 198.19.2.1, selector: {app: admin}, ports: [{name: http, port: 8000}]}
---
apiVersion: v1
kind: Service
metadata: {name: public, namespace: shop}
spec: {clusterIP: 198.19.2.2, selector: {app: public}, ports: [{name: http, port: 8000}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: istio-system}
spec:
  jwtRules: [{issuer: "https://issuer.example", jwks: '{"keys":[]}'}]
`;

function push(extra: string): PushContext {
  const { resources, problems } = loadText(`${MESH}\n---\n${extra}`, 'mesh.yaml');
  assert.deepEqual(problems, []);
  return buildPushContext({ resources: resources.map((r) => r.resource), rootNamespace: 'istio-system' });
}

const gateway: ProxyInfo = parseNode({
  id: 'router~198.18.2.50~ingress-1.istio-system~istio-system.svc.cluster.local',
  metadata: jsonToStruct({ NAMESPACE: 'istio-system', LABELS: { istio: 'ingressgateway' } }),
});
const sidecar: ProxyInfo = parseNode({
  id: 'sidecar~198.18.2.10~public-1.shop~shop.svc.cluster.local',
  metadata: jsonToStruct({ NAMESPACE: 'shop', LABELS: { app: 'public' } }),
});

/** Every route of every route configuration the generator emits, decoded from the wire. */
function routes(resources: ReturnType<typeof gatewayRoutes>): O[] {
  const out: O[] = [];
  for (const r of resources) {
    const rc = packedToJson(r.resource as { type_url: string; value: Uint8Array }) as O;
    for (const vh of (rc.virtual_hosts as O[] | undefined) ?? []) out.push(...((vh.routes as O[] | undefined) ?? []));
  }
  return out;
}

const payload = (...claims: string[]): O[] => ['payload', ...claims].map((key) => ({ key }));
const either = (sm: O): O => ({ or_match: { value_matchers: [{ list_match: { one_of: { string_match: sm } } }, { string_match: sm }] } });

describe('@request.auth.claims header keys (istiod ToRoutingClaim)', () => {
  const cases: Array<[string, string[] | undefined]> = [
    ['@request.auth.claims.group', ['group']],
    ['@request.auth.claims.org.team', ['org', 'team']],
    ['@request.auth.claims[org][team]', ['org', 'team']],
    ['@request.auth.claims[a.b]', ['a.b']],
    ['@REQUEST.auth.Claims.Group', ['Group']],
    ['@request.auth.claims', undefined],
    ['@request.auth.claims.', undefined],
    ['@request.auth.claims[]', undefined],
    ['@request.auth.claims[a', undefined],
    ['@request.auth.claimsx', undefined],
    ['x-group', undefined],
  ];
  for (const [key, want] of cases) {
    it(`${key} → ${want ? want.join(' / ') : 'an ordinary header'}`, () => assert.deepEqual(routingClaimPath(key), want));
  }
});

describe('claim routes on gateways', () => {
  const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: shop}
spec:
  hosts: ["shop.example.org"]
  gateways: [istio-system/gw]
  http:
  - name: admins
    match:
    - headers:
        "@request.auth.claims.group": {exact: admin}
        x-tenant: {prefix: acme}
      withoutHeaders:
        "@request.auth.claims[org][suspended]": {exact: "yes"}
    route: [{destination: {host: admin.shop.svc.cluster.local}}]
  - name: staff
    match:
    - headers: {"@request.auth.claims.email": {regex: ".*@example[.]org"}}
    - headers: {"@request.auth.claims[sub]": {prefix: "svc-"}}
    - headers: {"@request.auth.claims.roles": {}}
    route: [{destination: {host: admin.shop.svc.cluster.local}}]
  - route: [{destination: {host: public.shop.svc.cluster.local}}]`;

  it('become dynamic_metadata matchers on the jwt_authn payload, not headers', () => {
    const rs = routes(gatewayRoutes(push(vs), gateway, undefined));
    assert.equal(rs.length, 5);
    const [admins, email, sub, roles, rest] = rs as [O, O, O, O, O];
    assert.deepEqual(admins.match, {
      prefix: '/',
      headers: [{ name: 'x-tenant', string_match: { prefix: 'acme' }, invert_match: false }],
      dynamic_metadata: [
        { filter: 'envoy.filters.http.jwt_authn', path: payload('group'), value: either({ exact: 'admin' }) },
        { filter: 'envoy.filters.http.jwt_authn', path: payload('org', 'suspended'), value: either({ exact: 'yes' }), invert: true },
      ],
    });
    assert.deepEqual(email.match, { prefix: '/', dynamic_metadata: [{ filter: 'envoy.filters.http.jwt_authn', path: payload('email'), value: either({ safe_regex: { regex: '.*@example[.]org' } }) }] });
    assert.deepEqual(sub.match, { prefix: '/', dynamic_metadata: [{ filter: 'envoy.filters.http.jwt_authn', path: payload('sub'), value: either({ prefix: 'svc-' }) }] });
    // An empty match (istiod would emit an Envoy-invalid StringMatcher) asks for presence.
    assert.deepEqual(roles.match, { prefix: '/', dynamic_metadata: [{ filter: 'envoy.filters.http.jwt_authn', path: payload('roles'), value: { present_match: true } }] });
    assert.equal(rest.match && (rest.match as O).dynamic_metadata, undefined);
    // No route keeps a literal header named after the claim.
    assert.ok(!JSON.stringify(rs).includes('@request.auth.claims'));
  });

  it('sidecars (config that skipped validation) leave out a block that needs a claim, and keep one that only excludes a claim', () => {
    // Validation refuses claim routes on the mesh; a store without it (a cluster without the
    // webhook) can still hold one. Outbound requests carry no verified claims.
    const mesh = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: mixed, namespace: shop}
spec:
  hosts: ["public.shop.svc.cluster.local"]
  http:
  - name: needs-claim
    match: [{headers: {"@request.auth.claims.group": {exact: admin}}}]
    route: [{destination: {host: admin.shop.svc.cluster.local}}]
  - name: without-claim
    match: [{withoutHeaders: {"@request.auth.claims.group": {exact: admin}}}]
    route: [{destination: {host: public.shop.svc.cluster.local}}]`;
    const side = routes(sidecarRoutes(push(mesh), sidecar, undefined)).filter((r) => typeof r.name === 'string' && r.name.endsWith('claim'));
    assert.deepEqual(side.map((r) => r.name), ['without-claim']);
    assert.deepEqual((side[0]!.match as O).dynamic_metadata, [{ filter: 'envoy.filters.http.jwt_authn', path: payload('group'), value: either({ exact: 'admin' }), invert: true }]);
  });
});

describe('claim routes for proxyless gRPC clients (no JWT verification)', () => {
  it('a block needing a claim is left out; an excluded claim always holds and is not sent', () => {
    const spec: VirtualServiceSpec = {
      hosts: ['public.shop.svc.cluster.local'],
      http: [
        { name: 'needs-claim', match: [{ headers: { '@request.auth.claims.group': { exact: 'admin' } } }], route: [{ destination: { host: 'admin.shop.svc.cluster.local' } }] },
        { name: 'without-claim', match: [{ withoutHeaders: { '@request.auth.claims.group': { exact: 'admin' } }, headers: { 'x-a': { exact: '1' } } }], route: [{ destination: { host: 'public.shop.svc.cluster.local' } }] },
      ],
    };
    const vs = { name: 'mixed', namespace: 'shop', spec, hosts: spec.hosts!, exportTo: [] };
    const rs = virtualServiceRoutes({ push: push(''), proxy: sidecar, hostname: 'public.shop.svc.cluster.local', port: 8000 }, vs);
    assert.deepEqual(rs.map((r) => r.name), ['without-claim']);
    assert.deepEqual(rs[0]!.match, { prefix: '/', headers: [{ name: 'x-a', string_match: { exact: '1' }, invert_match: false }] });
  });
});

describe('jwt_authn clear_route_cache (istiod: every provider on gateways, none on sidecars)', () => {
  const decode = (p: PushContext, proxy: ProxyInfo): O => {
    const f = jwtAuthnFilter(p, proxy);
    assert.ok(f, 'a jwt_authn filter');
    return packedToJson(f.typed_config as { type_url: string; value: Uint8Array }) as O;
  };
  const twoIssuers = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: second, namespace: istio-system}
spec:
  jwtRules: [{issuer: "https://other.example", jwks: '{"keys":[]}'}]`;

  it('gateway providers clear the route cache', () => {
    const providers = decode(push(twoIssuers), gateway).providers as Record<string, O>;
    assert.deepEqual(Object.keys(providers).sort(), ['origins-0', 'origins-1']);
    for (const p of Object.values(providers)) assert.equal(p.clear_route_cache, true);
  });

  it('sidecar providers keep the cached route', () => {
    const providers = decode(push(twoIssuers), sidecar).providers as Record<string, O>;
    assert.equal(Object.keys(providers).length, 2);
    for (const p of Object.values(providers)) assert.equal(p.clear_route_cache, undefined);
  });
});
