/**
 * JWT claim-based routing end to end without the network plumbing: the controller generates a
 * gateway's jwt_authn filter and routes from Istio YAML (`@request.auth.claims…` header matches),
 * the proxy decodes and translates them as its xds-client does, and requests go through a real
 * HttpConnectionManager to two real upstreams.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { loadText } from '../src/config/load.js';
import type { HttpFilterConfig, RouteConfiguration } from '../src/proxy/config/model.js';
import { FieldPath, InvalidResourceError } from '../src/proxy/xds-client/invalid-resource.js';
import { decodeAnyToJson } from '../src/proxy/xds-client/proto-root.js';
import { translateRouteConfiguration } from '../src/proxy/xds-client/translate-route.js';
import { gatewayRoutes } from '../src/xds/generators/gateway-routes.js';
import { jwtAuthnFilter } from '../src/xds/generators/jwt-authn-filter.js';
import { buildPushContext, type PushContext } from '../src/xds/push-context.js';
import { parseNode, type ProxyInfo } from '../src/xds/proxy.js';
import { jsonToStruct } from '../src/xds/struct.js';
import { cluster, hcmConfig, request, ROUTER, startProxy, startUpstream, type TestProxy } from './proxy-http-support.js';

const ISS = 'https://idp.example';
const HOST = 'shop.example.org';
const ADMIN = 'outbound|8000||admin.shop.svc.cluster.local';
const PUBLIC = 'outbound|8000||public.shop.svc.cluster.local';
/** The fault filter with no config of its own: it acts only through a route's per-filter config. */
const FAULT: HttpFilterConfig = { name: 'envoy.filters.http.fault', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', config: {} };

function config(jwks: string): string {
  return `
apiVersion: v1
kind: Service
metadata: {name: admin, namespace: shop}
spec: {clusterIP: 198.19.3.1, selector: {app: admin}, ports: [{name: http, port: 8000}]}
---
apiVersion: v1
kind: Service
metadata: {name: public, namespace: shop}
spec: {clusterIP: 198.19.3.2, selector: {app: public}, ports: [{name: http, port: 8000}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["${HOST}"]}]}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules: [{issuer: "${ISS}", jwks: '${jwks}'}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: shop}
spec:
  hosts: ["${HOST}"]
  gateways: [istio-system/gw]
  http:
  - name: admins
    match:
    - headers: {"@request.auth.claims.group": {exact: admin}}
      withoutHeaders: {"@request.auth.claims[org][suspended]": {exact: "yes"}}
    - headers: {"@request.auth.claims[org][team]": {prefix: plat}}
    - headers: {"@request.auth.claims.scope": {exact: "admin:write"}}
    route: [{destination: {host: admin.shop.svc.cluster.local}}]
  - name: teapots
    match: [{headers: {"@request.auth.claims.group": {exact: teapot}}}]
    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
    route: [{destination: {host: public.shop.svc.cluster.local}}]
  - name: everyone
    route: [{destination: {host: public.shop.svc.cluster.local}}]
`;
}

const node = (type: string): ProxyInfo =>
  parseNode({ id: `${type}~198.18.3.50~ingress-1.istio-system~istio-system.svc.cluster.local`, metadata: jsonToStruct({ NAMESPACE: 'istio-system', LABELS: { istio: 'ingressgateway' } }) });

/** The jwt_authn filter as the proxy receives it: generated, then decoded by the proxy's protos. */
function jwtFilter(push: PushContext, proxy: ProxyInfo): HttpFilterConfig {
  const generated = jwtAuthnFilter(push, proxy);
  assert.ok(generated);
  const decoded = decodeAnyToJson(generated.typed_config as { type_url: string; value: Uint8Array });
  assert.ok(decoded);
  const { '@type': typeUrl, ...rest } = decoded;
  return { name: String(generated.name), typeUrl: String(typeUrl), config: rest };
}

/** The gateway's route configuration, generated and translated as the xds-client does. */
function gatewayRouteConfig(push: PushContext, proxy: ProxyInfo): RouteConfiguration {
  const [rc] = gatewayRoutes(push, proxy, undefined);
  assert.ok(rc);
  const decoded = decodeAnyToJson(rc.resource as { type_url: string; value: Uint8Array });
  assert.ok(decoded);
  return translateRouteConfiguration(decoded, new FieldPath(rc.name), { readFile: () => '', inlineSecrets: new Map() });
}

describe('JWT claim-based routing on a gateway', () => {
  let admin: Awaited<ReturnType<typeof startUpstream>>;
  let pub: Awaited<ReturnType<typeof startUpstream>>;
  let gateway: TestProxy;
  /** The same routes behind a jwt_authn filter without clear_route_cache (a sidecar's). */
  let cached: TestProxy;
  let sign: (claims: JWTPayload) => Promise<string>;
  let forge: (claims: JWTPayload) => Promise<string>;
  const now = (): number => Math.floor(Date.now() / 1000);
  const claims = (extra: JWTPayload): JWTPayload => ({ iss: ISS, sub: 'alice', exp: now() + 600, ...extra });

  before(async () => {
    const key = await generateKeyPair('ES256', { extractable: true });
    const other = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'ES256' };
    sign = (c) => new SignJWT(c).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(key.privateKey);
    forge = (c) => new SignJWT(c).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(other.privateKey);
    const { resources, problems } = loadText(config(JSON.stringify({ keys: [jwk] })), 'claims.yaml');
    assert.deepEqual(problems, []);
    const push = buildPushContext({ resources: resources.map((r) => r.resource), rootNamespace: 'istio-system' });
    const gw = node('router');
    const routes = gatewayRouteConfig(push, gw);
    admin = await startUpstream();
    pub = await startUpstream();
    const clusters = [cluster(ADMIN, [admin.port]), cluster(PUBLIC, [pub.port])];
    gateway = await startProxy(hcmConfig(routes, { httpFilters: [jwtFilter(push, gw), FAULT, ROUTER] }), clusters);
    const sidecarJwt = jwtFilter(push, node('sidecar'));
    const providers = (sidecarJwt.config as { providers: Record<string, Record<string, unknown>> }).providers;
    assert.ok(Object.values(providers).every((p) => p.clear_route_cache !== true), 'a sidecar-generated filter keeps the cached route');
    cached = await startProxy(hcmConfig(routes, { httpFilters: [sidecarJwt, FAULT, ROUTER] }), clusters);
  });
  after(async () => {
    await gateway.close();
    await cached.close();
    await admin.close();
    await pub.close();
  });

  /** Sends `n` requests with the token and counts which upstream answered. */
  async function send(proxy: TestProxy, n: number, token: string | undefined): Promise<{ admin: number; public: number; statuses: number[] }> {
    const a = admin.seen.length;
    const p = pub.seen.length;
    const headers = token === undefined ? { host: HOST } : { host: HOST, authorization: `Bearer ${token}` };
    const results = await Promise.all(Array.from({ length: n }, () => request(proxy.port, { path: '/orders', headers })));
    return { admin: admin.seen.length - a, public: pub.seen.length - p, statuses: results.map((r) => r.status) };
  }

  const cases: { name: string; token: () => Promise<string | undefined>; admin: number; public: number; status: number }[] = [
    { name: 'group=admin → admin', token: () => sign(claims({ group: 'admin' })), admin: 5, public: 0, status: 200 },
    { name: 'group=dev → public', token: () => sign(claims({ group: 'dev' })), admin: 0, public: 5, status: 200 },
    { name: 'a list claim group=[dev, admin] → admin', token: () => sign(claims({ group: ['dev', 'admin'] })), admin: 5, public: 0, status: 200 },
    { name: 'group=Admin (exact is case-sensitive) → public', token: () => sign(claims({ group: 'Admin' })), admin: 0, public: 5, status: 200 },
    { name: 'group=admin but org.suspended=yes (withoutHeaders) → public', token: () => sign(claims({ group: 'admin', org: { suspended: 'yes' } })), admin: 0, public: 5, status: 200 },
    { name: 'nested org.team=platform (prefix) → admin', token: () => sign(claims({ org: { team: 'platform' } })), admin: 5, public: 0, status: 200 },
    { name: 'nested org=platform (not an object) → public', token: () => sign(claims({ org: 'platform' })), admin: 0, public: 5, status: 200 },
    { name: 'group=teapot → the re-selected route\'s fault config answers 418 (later filters see the new route)', token: () => sign(claims({ group: 'teapot' })), admin: 0, public: 0, status: 418 },
    { name: 'a space-delimited scope "read admin:write" (a list in metadata) → admin', token: () => sign(claims({ scope: 'read admin:write' })), admin: 5, public: 0, status: 200 },
    { name: 'scope "read admin:writes" → public', token: () => sign(claims({ scope: 'read admin:writes' })), admin: 0, public: 5, status: 200 },
    { name: 'no token → public', token: () => Promise.resolve(undefined), admin: 0, public: 5, status: 200 },
    { name: 'a forged group=admin token → 401, no upstream', token: () => forge(claims({ group: 'admin' })), admin: 0, public: 0, status: 401 },
    { name: 'an expired group=admin token → 401, no upstream', token: () => sign(claims({ group: 'admin', exp: now() - 300 })), admin: 0, public: 0, status: 401 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const got = await send(gateway, 5, await c.token());
      assert.deepEqual(got, { admin: c.admin, public: c.public, statuses: Array(5).fill(c.status) });
    });
  }

  it('HTTP/2: 5 admin streams on one connection → admin, 5 without a token → public', async () => {
    const token = await sign(claims({ group: 'admin' }));
    const a = admin.seen.length;
    const p = pub.seen.length;
    const client = http2.connect(`http://127.0.0.1:${gateway.port}`);
    try {
      const one = (auth: boolean): Promise<number> =>
        new Promise((resolve, reject) => {
          const req = client.request({ ':path': '/orders', ':authority': HOST, ...(auth ? { authorization: `Bearer ${token}` } : {}) });
          let status = 0;
          req.on('response', (h) => (status = Number(h[':status'])));
          req.on('end', () => resolve(status));
          req.on('error', reject);
          req.resume();
          req.end();
        });
      const statuses = await Promise.all([...Array.from({ length: 5 }, () => one(true)), ...Array.from({ length: 5 }, () => one(false))]);
      assert.deepEqual(statuses, Array(10).fill(200));
    } finally {
      client.close();
    }
    assert.deepEqual({ admin: admin.seen.length - a, public: pub.seen.length - p }, { admin: 5, public: 5 });
  });

  it('the access record names the route chosen after verification', async () => {
    const before = gateway.records.length;
    const got = await send(gateway, 1, await sign(claims({ group: 'admin' })));
    assert.equal(got.admin, 1);
    const record = await gateway.record(before);
    assert.equal(record.routeName, 'admins');
  });

  it('without clear_route_cache the route (and its per-filter config) stays the one chosen before the filters ran (Envoy)', async () => {
    assert.deepEqual(await send(cached, 5, await sign(claims({ group: 'admin' }))), { admin: 0, public: 5, statuses: Array(5).fill(200) });
    assert.deepEqual(await send(cached, 5, await sign(claims({ group: 'teapot' }))), { admin: 0, public: 5, statuses: Array(5).fill(200) });
  });
});

describe('RouteMatch dynamic_metadata translation', () => {
  const rc = (dm: unknown): Record<string, unknown> => ({
    name: 'r',
    virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/', dynamic_metadata: [dm] }, route: { cluster: 'c' } }] }],
  });
  const translate = (dm: unknown): RouteConfiguration => translateRouteConfiguration(rc(dm) as never, new FieldPath('r'), { readFile: () => '', inlineSecrets: new Map() });

  it('keeps a valid matcher on the route', () => {
    const dm = { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: 'group' }], value: { string_match: { exact: 'admin' } } };
    assert.deepEqual(translate(dm).virtualHosts[0]!.routes[0]!.match.dynamicMetadata, [dm]);
  });

  const bad: Array<[string, unknown, string]> = [
    ['no filter', { path: [{ key: 'payload' }], value: { present_match: true } }, 'virtual_hosts[0].routes[0].match.dynamic_metadata[0].filter: is required'],
    ['no path', { filter: 'f', value: { present_match: true } }, 'virtual_hosts[0].routes[0].match.dynamic_metadata[0].path: at least one segment is required'],
    ['no value', { filter: 'f', path: [{ key: 'k' }] }, 'virtual_hosts[0].routes[0].match.dynamic_metadata[0].value: a ValueMatcher is required'],
    ['a bad regex', { filter: 'f', path: [{ key: 'k' }], value: { string_match: { safe_regex: { regex: '(' } } } }, 'virtual_hosts[0].routes[0].match.dynamic_metadata[0].value.string_match'],
  ];
  for (const [name, dm, message] of bad) {
    it(`NACKs ${name}, naming the field`, () => {
      assert.throws(() => translate(dm), (err: unknown) => err instanceof InvalidResourceError && err.message.includes(message));
    });
  }
});

describe('withoutHeaders as istiod emits it (treat_missing_header_as_empty, regex "*")', () => {
  let admin: Awaited<ReturnType<typeof startUpstream>>;
  let pub: Awaited<ReturnType<typeof startUpstream>>;
  let gateway: TestProxy;

  before(async () => {
    const yaml = `${config('{"keys":[]}')}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: beta, namespace: shop}
spec:
  hosts: ["beta.example.org"]
  gateways: [istio-system/gw]
  http:
  - name: not-beta
    match: [{withoutHeaders: {x-beta: {exact: "on"}, x-debug: {regex: "*"}}}]
    route: [{destination: {host: admin.shop.svc.cluster.local}}]
  - route: [{destination: {host: public.shop.svc.cluster.local}}]
`.replace(`hosts: ["${HOST}"]}]}`, `hosts: ["${HOST}", "beta.example.org"]}]}`);
    const { resources, problems } = loadText(yaml, 'beta.yaml');
    assert.deepEqual(problems, []);
    const push = buildPushContext({ resources: resources.map((r) => r.resource), rootNamespace: 'istio-system' });
    const routes = gatewayRouteConfig(push, node('router'));
    const notBeta = routes.virtualHosts.find((vh) => vh.domains.includes('beta.example.org'))!.routes[0]!;
    assert.deepEqual(notBeta.match.headers, [
      { name: 'x-beta', invert: true, treatMissingAsEmpty: true, match: { kind: 'exact', value: 'on' } },
      { name: 'x-debug', invert: true },
    ]);
    admin = await startUpstream();
    pub = await startUpstream();
    gateway = await startProxy(hcmConfig(routes, { httpFilters: [ROUTER] }), [cluster(ADMIN, [admin.port]), cluster(PUBLIC, [pub.port])]);
  });
  after(async () => {
    await gateway.close();
    await admin.close();
    await pub.close();
  });

  const cases: Array<[string, Record<string, string>, 'admin' | 'public']> = [
    ['no x-beta (read as "") → the withoutHeaders route', {}, 'admin'],
    ['x-beta: off → the withoutHeaders route', { 'x-beta': 'off' }, 'admin'],
    ['x-beta: on → the next route', { 'x-beta': 'on' }, 'public'],
    ['x-debug present (regex "*" is presence) → the next route', { 'x-debug': 'anything' }, 'public'],
  ];
  for (const [name, headers, want] of cases) {
    it(name, async () => {
      const a = admin.seen.length;
      const p = pub.seen.length;
      const results = await Promise.all(Array.from({ length: 3 }, () => request(gateway.port, { path: '/', headers: { host: 'beta.example.org', ...headers } })));
      assert.deepEqual(results.map((r) => r.status), [200, 200, 200]);
      assert.deepEqual({ admin: admin.seen.length - a, public: pub.seen.length - p }, want === 'admin' ? { admin: 3, public: 0 } : { admin: 0, public: 3 });
    });
  }
});
