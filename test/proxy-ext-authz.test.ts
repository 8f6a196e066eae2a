// The ext_authz filter through a real HttpConnectionManager and the real UpstreamManager, with
// real authorization servers on loopback (HTTP, and @grpc/grpc-js over an HTTP/2 cluster): allow,
// deny with the server's status/body/headers, headers to upstream and downstream, errors,
// timeouts and failure_mode_allow, a dead server, the istiod metadata gate, per-route settings,
// request bodies in the check, and the counters.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { ClusterConfig, HttpConnectionManagerConfig, HttpFilterConfig } from '../src/proxy/config/model.js';
import { SnapshotHolder, type ConnectionInfo } from '../src/proxy/config/snapshot-holder.js';
import { EXT_AUTHZ_PER_ROUTE_TYPE_URL as PER_ROUTE, EXT_AUTHZ_TYPE_URL, parseExtAuthzConfig } from '../src/proxy/filters/ext-authz/config.js';
import { RBAC_TYPE_URL } from '../src/proxy/filters/rbac/config.js';
import { HttpConnectionManager } from '../src/proxy/http/connection-manager.js';
import type { RequestRecord } from '../src/proxy/http/request-record.js';
import { connectionCertificates } from '../src/proxy/tls/connection-certificates.js';
import { UpstreamManager } from '../src/proxy/upstream/upstream-manager.js';
import { InvalidResourceError } from '../src/proxy/xds-client/invalid-resource.js';
import { packAny, type ProtoJson, type WireAny } from '../src/proxy/xds-client/proto-root.js';
import { XDS_TYPE } from '../src/proxy/xds-client/resource-types.js';
import { translateResource } from '../src/proxy/xds-client/translate-resource.js';
import { EnvoyNamedCounters } from '../src/telemetry/envoy-named-counters.js';
import { makeCa, makeLeaf, type TestCa, type TestLeaf } from './proxy-listener-support.js';
import { cluster, echoed, hcmConfig, request, ROUTER, route, routeConfig, silent, snapshot, startH2Upstream, startUpstream, vhost } from './proxy-http-support.js';
import { startGrpcAuthzServer, startHttpAuthzServer, defaultGrpcDecision, defaultHttpDecision, type GrpcAuthzServer, type HttpAuthzServer } from './support/ext-authz-servers.js';

const SHADOW_KEY = 'istio_ext_authz_shadow_effective_policy_id';
const CUSTOM_POLICY = 'istio-ext-authz-ns[foo]-policy[ext]-rule[0]';

/**
 * The CUSTOM policy's shadow RBAC filter as istiod emits it before ext_authz (real RBAC filter):
 * requests carrying `x-test-custom-policy: istio-ext-authz…` match the CUSTOM rule, so the shadow
 * result names its policy and the ext_authz gate opens.
 */
const SHADOW_FILTER: HttpFilterConfig = {
  name: 'envoy.filters.http.rbac',
  typeUrl: RBAC_TYPE_URL,
  config: {
    shadow_rules: {
      action: 'DENY',
      policies: {
        [CUSTOM_POLICY]: {
          permissions: [{ header: { name: 'x-test-custom-policy', string_match: { prefix: 'istio-ext-authz' } } }],
          principals: [{ any: true }],
        },
      },
    },
    shadow_rules_stat_prefix: 'istio_ext_authz_',
  },
};

/** istiod's gate: ext_authz runs only when the shadow RBAC matched a CUSTOM policy. */
const ISTIO_GATE = {
  filter: 'envoy.filters.http.rbac',
  path: [{ key: SHADOW_KEY }],
  value: { string_match: { prefix: 'istio-ext-authz' } },
};

function extAuthz(config: Record<string, unknown>): HttpFilterConfig {
  return { name: 'envoy.filters.http.ext_authz', typeUrl: EXT_AUTHZ_TYPE_URL, config: { '@type': EXT_AUTHZ_TYPE_URL, transport_api_version: 'V3', ...config } };
}

function httpService(clusterName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { server_uri: { uri: `http://${clusterName}`, cluster: clusterName, timeout: '0.5s' }, ...extra };
}

function exact(...names: string[]): { patterns: { exact: string; ignore_case: boolean }[] } {
  return { patterns: names.map((n) => ({ exact: n, ignore_case: true })) };
}

interface AuthzProxy {
  readonly port: number;
  readonly records: RequestRecord[];
  close(): Promise<void>;
}

/** Terminates mTLS in front of the connection manager, as the listener does for inbound chains. */
interface MtlsFront {
  readonly ca: TestCa;
  readonly server: TestLeaf;
}

async function startAuthzProxy(config: HttpConnectionManagerConfig, clusters: ClusterConfig[], mtls?: MtlsFront): Promise<AuthzProxy> {
  const holder = new SnapshotHolder();
  holder.replace(snapshot(clusters));
  const upstream = new UpstreamManager(holder, { logger: silent });
  const records: RequestRecord[] = [];
  const hcm = new HttpConnectionManager(config, {
    snapshots: holder,
    upstream,
    logger: silent,
    envoyStats,
    onRequestComplete: (r) => records.push(r),
  });
  let id = 1;
  const infoOf = (socket: net.Socket): ConnectionInfo => ({
    id: id++,
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    localAddress: socket.localAddress ?? '',
    localPort: socket.localPort ?? 0,
    originalDestination: { address: socket.localAddress ?? '', port: socket.localPort ?? 0 },
    tlsTerminated: false,
    peerPrincipal: 'spiffe://cluster.local/ns/foo/sa/sleep',
    listenerName: 'test',
    filterChainName: 'test',
  });
  const server = mtls
    ? tls.createServer({ cert: mtls.server.certPem, key: mtls.server.keyPem, ca: mtls.ca.certPem, requestCert: true, rejectUnauthorized: true }, (socket) => {
        const peer = socket.getPeerCertificate();
        const uri = /URI:([^,\s]+)/.exec(peer.subjectaltname ?? '')?.[1];
        const sni = (socket as tls.TLSSocket & { servername?: string | false }).servername;
        hcm.handleSocket(socket, {
          ...infoOf(socket),
          tlsTerminated: true,
          ...(uri ? { peerPrincipal: uri } : {}),
          ...(typeof sni === 'string' ? { serverName: sni } : {}),
          peerCertificates: connectionCertificates(socket),
        });
      })
    : net.createServer((socket) => hcm.handleSocket(socket, infoOf(socket)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    records,
    close: async () => {
      await hcm.close();
      await new Promise<void>((r) => server.close(() => r()));
      await upstream.close();
    },
  };
}

/** Envoy-named filter stats shared by every test proxy, as a proxy process shares them. */
const envoyStats = new EnvoyNamedCounters();

/** The counter's current value (0 before first use). */
function stat(name: string): number {
  return envoyStats.value(name);
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('ext_authz with an HTTP authorization server', () => {
  let backend: Awaited<ReturnType<typeof startUpstream>>;
  let authz: HttpAuthzServer;
  let proxy: AuthzProxy;
  let failOpen: AuthzProxy;
  let down: number;

  before(async () => {
    backend = await startUpstream();
    authz = await startHttpAuthzServer();
    down = await deadPort();
    const rc = routeConfig([
      vhost('backend', ['*'], [
        route({ path: { kind: 'prefix', value: '/public' } }, { cluster: 'backend' }, { perFilterConfig: { 'envoy.filters.http.ext_authz': { '@type': PER_ROUTE, disabled: true } } }),
        route({ path: { kind: 'prefix', value: '/nobody' } }, { cluster: 'backend' }, { perFilterConfig: { 'envoy.filters.http.ext_authz': { '@type': PER_ROUTE, check_settings: { disable_request_body_buffering: true } } } }),
        route({}, { cluster: 'backend' }),
      ]),
    ]);
    const service = httpService('authz', {
      path_prefix: '/check',
      authorization_request: { headers_to_add: [{ key: 'x-added-by-proxy', value: 'yes' }] },
      authorization_response: {
        allowed_upstream_headers: exact('x-ext-authz-check-result', 'x-user'),
        allowed_upstream_headers_to_append: exact('x-tag'),
        allowed_client_headers: exact('x-ext-authz-check-result'),
        allowed_client_headers_on_success: exact('x-ratelimit-remaining'),
      },
    });
    proxy = await startAuthzProxy(
      hcmConfig(rc, {
        statPrefix: 'authz_http',
        httpFilters: [
          extAuthz({
            http_service: service,
            allowed_headers: exact('x-ext-authz', 'x-tag'),
            disallowed_headers: exact('x-secret'),
            with_request_body: { max_request_bytes: 16, allow_partial_message: false },
          }),
          ROUTER,
        ],
      }),
      [cluster('backend', [backend.port]), cluster('authz', [authz.port])],
    );
    failOpen = await startAuthzProxy(
      hcmConfig(rc, {
        statPrefix: 'authz_http_open',
        httpFilters: [SHADOW_FILTER, extAuthz({ http_service: httpService('authz', { server_uri: { uri: 'http://authz', cluster: 'authz', timeout: '0.1s' } }), failure_mode_allow: true, failure_mode_allow_header_add: true, filter_enabled_metadata: ISTIO_GATE }), ROUTER],
      }),
      [cluster('backend', [backend.port]), cluster('authz', [authz.port])],
    );
  });
  after(async () => {
    await proxy.close();
    await failOpen.close();
    await authz.close();
    await backend.close();
  });

  it('allows: the check copies method, prefixed path, host and allowed headers; allowed answer headers go upstream', async () => {
    authz.respond = (c) =>
      c.headers['x-ext-authz'] === 'allow'
        ? { status: 200, headers: { 'x-ext-authz-check-result': 'allowed', 'x-user': 'alice', 'x-tag': 'from-authz', 'x-not-allowed': 'no', 'x-ratelimit-remaining': '7', 'x-envoy-auth-headers-to-remove': 'x-drop-me, x-drop-too' } }
        : defaultHttpDecision(c);
    const checks = authz.seen.length;
    const upstreamSeen = backend.seen.length;
    const okBefore = stat('http.authz_http.ext_authz.ok');
    const res = await request(proxy.port, { path: '/api/items?x=1', headers: { 'x-ext-authz': 'allow', 'x-tag': 'client', 'x-secret': 's3cret', cookie: 'a=b', authorization: 'Bearer t', 'x-drop-me': '1', 'x-drop-too': '2' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-ratelimit-remaining'], '7', 'allowed_client_headers_on_success reaches the client');
    assert.equal(authz.seen.length, checks + 1);
    const check = authz.seen.at(-1)!;
    assert.equal(check.method, 'GET');
    assert.equal(check.url, '/check/api/items?x=1');
    assert.equal(check.headers.host, 'example.com');
    // Envoy sends content-length: 0; undici leaves it out of bodiless GETs, which means the same.
    assert.ok(check.headers['content-length'] === undefined || check.headers['content-length'] === '0');
    assert.equal(check.headers['x-ext-authz'], 'allow');
    assert.equal(check.headers.authorization, 'Bearer t', 'authorization is always sent');
    assert.equal(check.headers['x-added-by-proxy'], 'yes');
    assert.equal(check.headers['x-secret'], undefined, 'disallowed_headers wins');
    assert.equal(check.headers.cookie, undefined, 'headers outside the list stay home');
    assert.equal(backend.seen.length, upstreamSeen + 1);
    const up = echoed(res.body);
    assert.equal(up.headers['x-ext-authz-check-result'], 'allowed');
    assert.equal(up.headers['x-user'], 'alice');
    assert.equal(up.headers['x-tag'], 'client, from-authz', 'allowed_upstream_headers_to_append appends');
    assert.equal(up.headers['x-not-allowed'], undefined);
    assert.equal(up.headers['x-drop-me'], undefined, 'x-envoy-auth-headers-to-remove drops request headers');
    assert.equal(up.headers['x-drop-too'], undefined);
    assert.equal(up.headers['x-envoy-auth-headers-to-remove'], undefined);
    assert.equal(stat('http.authz_http.ext_authz.ok'), okBefore + 1);
    assert.equal(stat('cluster.backend.ext_authz.ok') >= 1, true);
    // Exported with the other Envoy-named filter stats, under Envoy's flattened Prometheus name.
    const family = envoyStats.collect().find((f) => f.name === 'envoy_http_authz_http_ext_authz_ok');
    assert.equal(family?.samples[0]?.value, stat('http.authz_http.ext_authz.ok'));
  });

  it('denies with the server status, body and allowed client headers; the backend never sees it', async () => {
    authz.respond = defaultHttpDecision;
    const upstreamSeen = backend.seen.length;
    const deniedBefore = stat('http.authz_http.ext_authz.denied');
    const res = await request(proxy.port, { path: '/api' });
    assert.equal(res.status, 403);
    assert.match(res.body, /denied by ext_authz/);
    assert.equal(res.headers['x-ext-authz-check-result'], 'denied');
    assert.equal(res.headers['x-plexus-response-flags'], 'UAEX');
    assert.equal(backend.seen.length, upstreamSeen);
    assert.equal(stat('http.authz_http.ext_authz.denied'), deniedBefore + 1);
    const record = proxy.records.at(-1)!;
    assert.equal(record.responseCodeDetails, 'ext_authz_denied');
  });

  it('passes a custom denial status and www-authenticate even outside allowed_client_headers', async () => {
    authz.respond = () => ({ status: 401, headers: { 'www-authenticate': 'Bearer realm="plexus"', 'x-other': 'hidden', 'content-type': 'application/json' }, body: '{"error":"login"}' });
    const res = await request(proxy.port, { path: '/api' });
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="plexus"');
    assert.equal(res.headers['x-other'], undefined);
    assert.equal(res.body, '{"error":"login"}');
  });

  it('treats a 5xx answer as an error: status_on_error (403), counted as error', async () => {
    authz.respond = () => ({ status: 503, body: 'overloaded' });
    const errorsBefore = stat('http.authz_http.ext_authz.error');
    const res = await request(proxy.port, { path: '/api' });
    assert.equal(res.status, 403);
    assert.equal(res.body, '');
    assert.equal(stat('http.authz_http.ext_authz.error'), errorsBefore + 1);
    assert.equal(proxy.records.at(-1)!.responseCodeDetails, 'ext_authz_error');
  });

  it('times out a silent server: 403 within the configured timeout', async () => {
    authz.respond = () => 'hang';
    const started = Date.now();
    const res = await request(proxy.port, { path: '/api' });
    const took = Date.now() - started;
    assert.equal(res.status, 403);
    assert.ok(took >= 450 && took < 3000, `took ${took} ms for a 500 ms timeout`);
  });

  it('a client that leaves during the check cancels it (the server sees the check request go away)', async () => {
    authz.respond = () => 'hang';
    const socket = net.connect(proxy.port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const checks = authz.seen.length;
    socket.write('GET /api HTTP/1.1\r\nhost: example.com\r\n\r\n');
    for (let i = 0; i < 100 && authz.seen.length === checks; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(authz.pending(), 1);
    socket.destroy();
    for (let i = 0; i < 100 && authz.pending() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(authz.pending(), 0, 'the pending check was abandoned with the client');
    for (let i = 0; i < 100 && !proxy.records.at(-1)?.flags.has('DC'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(proxy.records.at(-1)!.flags.has('DC'), true);
  });

  it('failure_mode_allow: a timeout lets the request through and marks it upstream', async () => {
    authz.respond = () => 'hang';
    const allowedBefore = stat('http.authz_http_open.ext_authz.failure_mode_allowed');
    const res = await request(failOpen.port, { path: '/api', headers: { 'x-test-custom-policy': 'istio-ext-authz-ns[foo]-policy[ext]-rule[0]' } });
    assert.equal(res.status, 200);
    assert.equal(echoed(res.body).headers['x-envoy-auth-failure-mode-allowed'], 'true');
    assert.equal(stat('http.authz_http_open.ext_authz.failure_mode_allowed'), allowedBefore + 1);
  });

  it('the istiod metadata gate: no CUSTOM match means no check and no change; a match means a check', async () => {
    authz.respond = defaultHttpDecision;
    const checks = authz.seen.length;
    const disabledBefore = stat('http.authz_http_open.ext_authz.disabled');
    const open = await request(failOpen.port, { path: '/api' });
    assert.equal(open.status, 200);
    assert.equal(echoed(open.body).headers['x-envoy-auth-failure-mode-allowed'], undefined);
    const otherPolicy = await request(failOpen.port, { path: '/api', headers: { 'x-test-custom-policy': 'ns[foo]-policy[plain]-rule[0]' } });
    assert.equal(otherPolicy.status, 200);
    assert.equal(authz.seen.length, checks, 'gated requests never reach the server');
    assert.equal(stat('http.authz_http_open.ext_authz.disabled'), disabledBefore + 2);
    const gated = await request(failOpen.port, { path: '/api', headers: { 'x-test-custom-policy': 'istio-ext-authz-ns[foo]-policy[ext]-rule[0]' } });
    assert.equal(gated.status, 403);
    assert.equal(authz.seen.length, checks + 1);
  });

  it('per-route disabled skips the check', async () => {
    authz.respond = defaultHttpDecision;
    const checks = authz.seen.length;
    const res = await request(proxy.port, { path: '/public/page' });
    assert.equal(res.status, 200);
    assert.equal(authz.seen.length, checks);
  });

  it('with_request_body: the check carries the body; the backend still gets all of it', async () => {
    authz.respond = (c) => (c.body === 'hello' ? { status: 200 } : { status: 403 });
    const res = await request(proxy.port, { method: 'POST', path: '/api', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(res.status, 200);
    const check = authz.seen.at(-1)!;
    assert.equal(check.body, 'hello');
    assert.equal(check.headers['content-length'], '5');
    assert.equal(check.headers['x-envoy-auth-partial-body'], 'false');
    assert.equal(echoed(res.body).body, 'hello');
  });

  it('with_request_body: a body over max_request_bytes is refused with 413 before any check', async () => {
    const checks = authz.seen.length;
    const res = await request(proxy.port, { method: 'POST', path: '/api', body: 'x'.repeat(64) });
    assert.equal(res.status, 413);
    assert.equal(authz.seen.length, checks);
  });

  it('an HTTP authorization server behind an HTTP/2 cluster', async () => {
    const h2authz = await startH2Upstream((stream, headers) => {
      const allow = headers['x-ext-authz'] === 'allow' && headers[':path'] === '/check/h2' && headers[':authority'] === 'example.com';
      stream.respond({ ':status': allow ? 200 : 403, 'x-ext-authz-check-result': allow ? 'allowed' : 'denied' });
      stream.end(allow ? '' : 'no');
    });
    const rc = routeConfig([vhost('backend', ['*'], [route({}, { cluster: 'backend' })])]);
    const service = httpService('authz-h2', {
      path_prefix: '/check',
      // The deprecated per-service list, which the controller emits for includeRequestHeadersInCheck.
      authorization_request: { allowed_headers: { patterns: [{ exact: 'x-ext-authz' }] } },
      authorization_response: { allowed_upstream_headers: exact('x-ext-authz-check-result') },
    });
    const h2proxy = await startAuthzProxy(
      hcmConfig(rc, { httpFilters: [extAuthz({ http_service: service }), ROUTER] }),
      [cluster('backend', [backend.port]), cluster('authz-h2', [h2authz.port], { http2: true })],
    );
    try {
      const ok = await request(h2proxy.port, { path: '/h2', headers: { 'x-ext-authz': 'allow' } });
      assert.equal(ok.status, 200);
      assert.equal(echoed(ok.body).headers['x-ext-authz-check-result'], 'allowed');
      const no = await request(h2proxy.port, { path: '/h2' });
      assert.equal(no.status, 403);
      assert.equal(no.body, 'no');
    } finally {
      await h2proxy.close();
      await h2authz.close();
    }
  });

  it('per-route disable_request_body_buffering: the check goes without the body, and no 413', async () => {
    authz.respond = () => ({ status: 200 });
    const res = await request(proxy.port, { method: 'POST', path: '/nobody/upload', body: 'y'.repeat(64) });
    assert.equal(res.status, 200);
    const check = authz.seen.at(-1)!;
    assert.equal(check.url, '/check/nobody/upload');
    assert.equal(check.body, '');
    assert.equal(check.headers['x-envoy-auth-partial-body'], undefined);
    assert.equal(echoed(res.body).body, 'y'.repeat(64));
  });

  it('filter_enabled at 0% with deny_at_disable: 403 without asking the server, counted as disabled', async () => {
    const rc = routeConfig([vhost('backend', ['*'], [route({}, { cluster: 'backend' })])]);
    const off = await startAuthzProxy(
      hcmConfig(rc, { statPrefix: 'authz_off', httpFilters: [extAuthz({ http_service: httpService('authz'), filter_enabled: { default_value: { numerator: 0, denominator: 'HUNDRED' } }, deny_at_disable: { default_value: { value: true }, runtime_key: 'k' } }), ROUTER] }),
      [cluster('backend', [backend.port]), cluster('authz', [authz.port])],
    );
    try {
      const checks = authz.seen.length;
      const res = await request(off.port, { path: '/x' });
      assert.equal(res.status, 403);
      assert.equal(authz.seen.length, checks);
      assert.equal(stat('http.authz_off.ext_authz.disabled'), 1);
    } finally {
      await off.close();
    }
  });

  it('an unreachable server: status_on_error closed, failure_mode_allow open', async () => {
    const rc = routeConfig([vhost('backend', ['*'], [route({}, { cluster: 'backend' })])]);
    const closed = await startAuthzProxy(hcmConfig(rc, { httpFilters: [extAuthz({ http_service: httpService('gone'), status_on_error: { code: 503 } }), ROUTER] }), [cluster('backend', [backend.port]), cluster('gone', [down])]);
    const open = await startAuthzProxy(hcmConfig(rc, { httpFilters: [extAuthz({ http_service: httpService('gone'), failure_mode_allow: true }), ROUTER] }), [cluster('backend', [backend.port]), cluster('gone', [down])]);
    try {
      const a = await request(closed.port, { path: '/x' });
      assert.equal(a.status, 503);
      assert.equal(closed.records.at(-1)!.flags.has('UAEX'), true);
      const b = await request(open.port, { path: '/x' });
      assert.equal(b.status, 200);
      assert.equal(echoed(b.body).headers['x-envoy-auth-failure-mode-allowed'], undefined, 'the header needs failure_mode_allow_header_add');
    } finally {
      await closed.close();
      await open.close();
    }
  });
});

describe('ext_authz with a gRPC authorization server', () => {
  let backend: Awaited<ReturnType<typeof startUpstream>>;
  let authz: GrpcAuthzServer;
  let proxy: AuthzProxy;
  let failOpen: AuthzProxy;

  before(async () => {
    backend = await startUpstream();
    authz = await startGrpcAuthzServer();
    const rc = routeConfig([
      vhost('backend', ['*'], [route({}, { cluster: 'backend' }, { perFilterConfig: { 'envoy.filters.http.ext_authz': { '@type': PER_ROUTE, check_settings: { context_extensions: { route: 'default', level: 'route' } } } } })], {
        perFilterConfig: { 'envoy.filters.http.ext_authz': { '@type': PER_ROUTE, check_settings: { context_extensions: { vhost: 'backend', level: 'vhost' } } } },
      }),
    ]);
    const grpcCluster = cluster('outbound|9000||ext-authz.foo.svc.cluster.local', [authz.port], { http2: true });
    const service = { envoy_grpc: { cluster_name: grpcCluster.name, authority: 'ext-authz.foo.svc.cluster.local' }, timeout: '0.3s' };
    proxy = await startAuthzProxy(
      hcmConfig(rc, {
        statPrefix: 'authz_grpc',
        httpFilters: [SHADOW_FILTER, extAuthz({ grpc_service: service, metadata_context_namespaces: ['envoy.filters.http.rbac'], with_request_body: { max_request_bytes: 4, allow_partial_message: true } }), ROUTER],
      }),
      [cluster('backend', [backend.port]), grpcCluster],
    );
    failOpen = await startAuthzProxy(hcmConfig(rc, { statPrefix: 'authz_grpc_open', httpFilters: [extAuthz({ grpc_service: service, failure_mode_allow: true, failure_mode_allow_header_add: true }), ROUTER] }), [cluster('backend', [backend.port]), grpcCluster]);
  });
  after(async () => {
    await proxy.close();
    await failOpen.close();
    await authz.close();
    await backend.close();
  });

  it('allows with the CheckRequest attributes Envoy sends, and applies the OkHttpResponse', async () => {
    authz.respond = (c) =>
      c.attributes?.request?.http?.headers?.['x-ext-authz'] === 'allow'
        ? {
            response: {
              status: { code: 0 },
              ok_response: {
                headers: [
                  { header: { key: 'x-user', value: 'alice' } },
                  { header: { key: 'x-tag', value: 'authz' }, append: { value: true } },
                  { header: { key: 'x-mode', value: 'overwritten' }, append: { value: false } },
                ],
                headers_to_remove: ['x-drop-me'],
                response_headers_to_add: [{ header: { key: 'x-authz-trace', value: 'seen' } }],
              },
            },
          }
        : defaultGrpcDecision(c);
    const okBefore = stat('http.authz_grpc.ext_authz.ok');
    const res = await request(proxy.port, {
      path: '/api/things?q=1',
      headers: { 'x-ext-authz': 'allow', 'x-tag': 'client', 'x-mode': 'client', 'x-drop-me': 'bye', 'x-test-custom-policy': CUSTOM_POLICY },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-authz-trace'], 'seen');
    const up = echoed(res.body);
    assert.equal(up.headers['x-user'], 'alice');
    assert.equal(up.headers['x-tag'], 'client, authz');
    assert.equal(up.headers['x-mode'], 'overwritten');
    assert.equal(up.headers['x-drop-me'], undefined);
    const attrs = authz.seen.at(-1)!.attributes!;
    const httpReq = attrs.request!.http!;
    assert.equal(httpReq.method, 'GET');
    assert.equal(httpReq.path, '/api/things?q=1');
    assert.equal(httpReq.host, 'example.com');
    assert.equal(httpReq.scheme, 'http');
    assert.equal(httpReq.protocol, 'HTTP/1.1');
    assert.equal(httpReq.headers!['x-drop-me'], 'bye');
    assert.equal(httpReq.headers![':path'], '/api/things?q=1');
    assert.match(httpReq.id ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(attrs.source!.principal, 'spiffe://cluster.local/ns/foo/sa/sleep');
    assert.equal(attrs.source!.address!.socket_address!.address, '127.0.0.1');
    assert.equal(attrs.destination!.address!.socket_address!.port_value, proxy.port);
    assert.deepEqual(attrs.context_extensions, { vhost: 'backend', route: 'default', level: 'route' }, 'route check_settings merge over the virtual host');
    // proto-loader's built-in struct.proto spells Value's fields camelCase.
    const rbacMd = (attrs.metadata_context!.filter_metadata!['envoy.filters.http.rbac'] as { fields: Record<string, { stringValue: string }> }).fields;
    assert.equal(rbacMd[SHADOW_KEY]!.stringValue, CUSTOM_POLICY);
    assert.equal(authz.authorities.at(-1), 'ext-authz.foo.svc.cluster.local');
    assert.equal(stat('http.authz_grpc.ext_authz.ok'), okBefore + 1);
  });

  it('denies with DeniedHttpResponse status, headers and body (403 when the status is unset)', async () => {
    authz.respond = defaultGrpcDecision;
    const upstreamSeen = backend.seen.length;
    const denied = await request(proxy.port, { path: '/api' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body, 'denied by ext_authz (grpc)');
    assert.equal(denied.headers['x-ext-authz-check-result'], 'denied');
    authz.respond = () => ({ response: { status: { code: grpc.status.UNAUTHENTICATED }, denied_response: { status: { code: 401 }, body: 'who are you' } } });
    const unauth = await request(proxy.port, { path: '/api' });
    assert.equal(unauth.status, 401);
    assert.equal(unauth.body, 'who are you');
    authz.respond = () => ({ response: { status: { code: grpc.status.PERMISSION_DENIED } } });
    const bare = await request(proxy.port, { path: '/api' });
    assert.equal(bare.status, 403);
    assert.equal(backend.seen.length, upstreamSeen);
  });

  it('sends a partial body up to max_request_bytes and forwards the whole body', async () => {
    authz.respond = () => ({ response: { status: { code: 0 } } });
    const res = await request(proxy.port, { method: 'PUT', path: '/upload', body: 'abcdefgh' });
    assert.equal(res.status, 200);
    const httpReq = authz.seen.at(-1)!.attributes!.request!.http!;
    assert.equal(httpReq.body, 'abcd');
    assert.equal(httpReq.headers!['x-envoy-auth-partial-body'], 'true');
    assert.equal(httpReq.size, '8');
    assert.equal(echoed(res.body).body, 'abcdefgh');
  });

  it('a gRPC error status is an error: 403 closed, 200 with the header open', async () => {
    authz.respond = () => ({ grpcError: grpc.status.UNAVAILABLE });
    const errorsBefore = stat('http.authz_grpc.ext_authz.error');
    const closed = await request(proxy.port, { path: '/api' });
    assert.equal(closed.status, 403);
    assert.equal(stat('http.authz_grpc.ext_authz.error'), errorsBefore + 1);
    const open = await request(failOpen.port, { path: '/api' });
    assert.equal(open.status, 200);
    assert.equal(echoed(open.body).headers['x-envoy-auth-failure-mode-allowed'], 'true');
  });

  it('a gRPC service on a cluster without HTTP/2 is an error, not an HTTP/1.1 gRPC call', async () => {
    const rc = routeConfig([vhost('backend', ['*'], [route({}, { cluster: 'backend' })])]);
    const h1 = await startAuthzProxy(hcmConfig(rc, { httpFilters: [extAuthz({ grpc_service: { envoy_grpc: { cluster_name: 'authz-h1' } } }), ROUTER] }), [cluster('backend', [backend.port]), cluster('authz-h1', [authz.port])]);
    try {
      authz.respond = defaultGrpcDecision;
      const checks = authz.seen.length;
      const res = await request(h1.port, { path: '/api', headers: { 'x-ext-authz': 'allow' } });
      assert.equal(res.status, 403);
      assert.equal(h1.records.at(-1)!.responseCodeDetails, 'ext_authz_error');
      assert.equal(authz.seen.length, checks);
    } finally {
      await h1.close();
    }
  });

  it('a silent server times out after the grpc_service timeout', async () => {
    authz.respond = () => 'hang';
    const started = Date.now();
    const res = await request(proxy.port, { path: '/api' });
    const took = Date.now() - started;
    assert.equal(res.status, 403);
    assert.ok(took >= 250 && took < 3000, `took ${took} ms for a 300 ms timeout`);
  });

  it('answers gRPC clients with a gRPC status when the check denies', async () => {
    authz.respond = defaultGrpcDecision;
    const res = await new Promise<{ status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'POST', path: '/pkg.Svc/Do', headers: { host: 'example.com', 'content-type': 'application/grpc' }, agent: false }, (r) => {
        r.resume();
        r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers }));
      });
      req.on('error', reject);
      req.end(Buffer.from([0, 0, 0, 0, 0]));
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['grpc-status'], String(grpc.status.PERMISSION_DENIED));
  });
});

/** One HTTP/2 request (prior knowledge, h2c) with an optional body. */
function h2Request(port: number, headers: http2.OutgoingHttpHeaders, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on('error', reject);
    const stream = client.request(headers, { endStream: body === undefined });
    const chunks: Buffer[] = [];
    let status = 0;
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      client.close();
      resolve({ status, body: Buffer.concat(chunks).toString() });
    });
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

describe('ext_authz answers that steer the rest of the request', () => {
  let backendA: Awaited<ReturnType<typeof startUpstream>>;
  let backendB: Awaited<ReturnType<typeof startUpstream>>;
  let authz: GrpcAuthzServer;
  let proxy: AuthzProxy;

  before(async () => {
    backendA = await startUpstream();
    backendB = await startUpstream();
    authz = await startGrpcAuthzServer();
    authz.respond = (c) => {
      const h = c.attributes?.request?.http?.headers ?? {};
      if (h['x-ext-authz'] === 'allow' || h['x-ext-authz'] === 'allow-anon') {
        const ok: Record<string, unknown> = { headers: h['x-want-b'] ? [{ header: { key: 'x-route', value: 'b' } }] : [] };
        if (h['x-want-query']) {
          ok['query_parameters_to_set'] = [{ key: 'added', value: '1' }];
          ok['query_parameters_to_remove'] = ['drop'];
        }
        const response: Record<string, unknown> = { status: { code: 0 }, ok_response: ok };
        if (h['x-ext-authz'] === 'allow') response['dynamic_metadata'] = { fields: { user: { stringValue: 'alice' } } };
        return { response };
      }
      return defaultGrpcDecision(c);
    };
    const rc = routeConfig([
      vhost('backend', ['*'], [
        route({ headers: [{ name: 'x-route', match: { kind: 'exact', value: 'b' }, invert: false }] }, { cluster: 'b' }),
        route({}, { cluster: 'a' }),
      ]),
    ]);
    const grpcCluster = cluster('authz-grpc', [authz.port], { http2: true });
    // After ext_authz, an ALLOW RBAC that wants the user the authorization server vouched for.
    const needsUser: HttpFilterConfig = {
      name: 'envoy.filters.http.rbac',
      typeUrl: RBAC_TYPE_URL,
      config: {
        rules: {
          action: 'ALLOW',
          policies: { 'needs-user': { permissions: [{ any: true }], principals: [{ metadata: { filter: 'envoy.filters.http.ext_authz', path: [{ key: 'user' }], value: { string_match: { exact: 'alice' } } } }] } },
        },
      },
    };
    proxy = await startAuthzProxy(
      hcmConfig(rc, {
        statPrefix: 'authz_steer',
        httpFilters: [extAuthz({ grpc_service: { envoy_grpc: { cluster_name: 'authz-grpc' }, timeout: '1s' }, clear_route_cache: true, with_request_body: { max_request_bytes: 1024 } }), needsUser, ROUTER],
      }),
      [cluster('a', [backendA.port]), cluster('b', [backendB.port]), grpcCluster],
    );
  });
  after(async () => {
    await proxy.close();
    await authz.close();
    await backendA.close();
    await backendB.close();
  });

  it('clear_route_cache: a header from the server picks the route again', async () => {
    const a = backendA.seen.length;
    const b = backendB.seen.length;
    const res = await request(proxy.port, { path: '/x', headers: { 'x-ext-authz': 'allow', 'x-want-b': '1' } });
    assert.equal(res.status, 200);
    assert.equal(backendB.seen.length, b + 1);
    assert.equal(backendA.seen.length, a);
    assert.equal(proxy.records.at(-1)!.cluster, 'b');
  });

  it('the server dynamic metadata reaches later filters (RBAC on envoy.filters.http.ext_authz)', async () => {
    const allowed = await request(proxy.port, { path: '/x', headers: { 'x-ext-authz': 'allow' } });
    assert.equal(allowed.status, 200);
    const anonymous = await request(proxy.port, { path: '/x', headers: { 'x-ext-authz': 'allow-anon' } });
    assert.equal(anonymous.status, 403);
    assert.equal(anonymous.body, 'RBAC: access denied');
  });

  it('query parameters set and removed by the server reach the upstream', async () => {
    const res = await request(proxy.port, { path: '/q?x=1&drop=me', headers: { 'x-ext-authz': 'allow', 'x-want-query': '1' } });
    assert.equal(res.status, 200);
    assert.equal(echoed(res.body).url, '/q?x=1&added=1');
  });

  it('HTTP/2 downstream: protocol and body in the check, body intact upstream', async () => {
    const res = await h2Request(proxy.port, { ':method': 'POST', ':path': '/h2', ':authority': 'example.com', 'x-ext-authz': 'allow', 'content-type': 'text/plain' }, 'h2 body');
    assert.equal(res.status, 200);
    const httpReq = authz.seen.at(-1)!.attributes!.request!.http!;
    assert.equal(httpReq.protocol, 'HTTP/2');
    assert.equal(httpReq.body, 'h2 body');
    assert.equal(httpReq.headers!['x-envoy-auth-partial-body'], 'false');
    assert.equal(echoed(res.body).body, 'h2 body');
  });

  it('concurrent requests each get their own decision, counted exactly', async () => {
    const ok = stat('http.authz_steer.ext_authz.ok');
    const denied = stat('http.authz_steer.ext_authz.denied');
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => request(proxy.port, { path: `/c/${i}`, headers: i % 2 === 0 ? { 'x-ext-authz': 'allow' } : {} })));
    assert.equal(results.filter((r) => r.status === 200).length, 20);
    assert.equal(results.filter((r) => r.status === 403).length, 20);
    assert.equal(stat('http.authz_steer.ext_authz.ok'), ok + 20);
    assert.equal(stat('http.authz_steer.ext_authz.denied'), denied + 20);
    assert.equal(stat('cluster.a.ext_authz.denied') >= 20, true, 'also counted on the route target cluster');
  });
});

describe('ext_authz from xDS (the xds-client translates and validates it through the filter registry)', () => {
  const noFiles = (path: string): string => {
    throw new Error(`no file ${path}`);
  };
  const EXT_AUTHZ_MSG = 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
  const istiodGrpc = { grpc_service: { envoy_grpc: { cluster_name: 'outbound|9000||ext-authz.foo.svc.cluster.local', authority: 'ext-authz.foo.svc.cluster.local' }, timeout: { seconds: 600 } }, transport_api_version: 'V3', filter_enabled_metadata: ISTIO_GATE };
  const listenerWith = (extAuthzConfig: ProtoJson): WireAny =>
    packAny('envoy.config.listener.v3.Listener', {
      name: 'virtualInbound',
      address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: packAny('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', {
                stat_prefix: 'inbound_0.0.0.0_8000',
                route_config: { name: 'inbound|8000||', virtual_hosts: [{ name: 'inbound', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'inbound|8000||' } }] }] },
                http_filters: [
                  { name: 'envoy.filters.http.ext_authz', typed_config: packAny(EXT_AUTHZ_MSG, extAuthzConfig) },
                  { name: 'envoy.filters.http.router', typed_config: packAny('envoy.extensions.filters.http.router.v3.Router', {}) },
                ],
              }),
            },
          ],
        },
      ],
    });
  const routesWith = (perFilter: ProtoJson | WireAny): WireAny =>
    packAny('envoy.config.route.v3.RouteConfiguration', {
      name: '8000',
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: { 'envoy.filters.http.ext_authz': perFilter } }] }],
    });
  const perRoute = (v: ProtoJson): WireAny => packAny('envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', v);

  it('accepts the filter istiod emits for an envoyExtAuthzGrpc provider', () => {
    const l = translateResource(XDS_TYPE.listener, listenerWith(istiodGrpc), 'v1', 0, noFiles).value;
    const hcm = l.filterChains[0]!.filters.find((f): f is HttpConnectionManagerConfig => f.kind === 'http_connection_manager')!;
    assert.deepEqual(
      hcm.httpFilters.map((f) => f.typeUrl),
      [EXT_AUTHZ_TYPE_URL, 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router'],
    );
    // The config the filter will be built from is the one parsed from the wire.
    const parsed = parseExtAuthzConfig(hcm.httpFilters[0]!.config);
    assert.ok(parsed.ok);
    assert.equal(parsed.config.service.kind === 'grpc' && parsed.config.service.authority, 'ext-authz.foo.svc.cluster.local');
  });

  it('NACKs a google_grpc service, naming the field', () => {
    assert.throws(
      () => translateResource(XDS_TYPE.listener, listenerWith({ grpc_service: { google_grpc: { target_uri: 'authz:9000', stat_prefix: 'x' } } }), 'v1', 0, noFiles),
      (err: unknown) => err instanceof InvalidResourceError && /grpc_service\.google_grpc: is not supported/.test(err.message),
    );
  });

  it('accepts ExtAuthzPerRoute (plain and in a FilterConfig) and NACKs an invalid one', () => {
    translateResource(XDS_TYPE.route, routesWith(perRoute({ check_settings: { context_extensions: { a: 'b' } } })), 'v1', 0, noFiles);
    translateResource(XDS_TYPE.route, routesWith(packAny('envoy.config.route.v3.FilterConfig', { disabled: true })), 'v1', 0, noFiles);
    assert.throws(
      () => translateResource(XDS_TYPE.route, routesWith(perRoute({ disabled: false })), 'v1', 0, noFiles),
      (err: unknown) => err instanceof InvalidResourceError && /ExtAuthzPerRoute/.test(err.message) && /disabled: must be true/.test(err.message),
    );
  });
});

describe('ext_authz on an mTLS chain', () => {
  let backend: Awaited<ReturnType<typeof startUpstream>>;
  let authz: GrpcAuthzServer;
  let proxy: AuthzProxy;
  let ca: TestCa;
  let client: TestLeaf;

  before(async () => {
    ca = await makeCa('ext-authz-test-root');
    const server = await makeLeaf(ca, 'spiffe://cluster.local/ns/foo/sa/httpbin');
    client = await makeLeaf(ca, 'spiffe://cluster.local/ns/foo/sa/sleep');
    backend = await startUpstream();
    authz = await startGrpcAuthzServer();
    authz.respond = () => ({ response: { status: { code: 0 } } });
    const rc = routeConfig([vhost('backend', ['*'], [route({}, { cluster: 'backend' })])]);
    proxy = await startAuthzProxy(
      hcmConfig(rc, { httpFilters: [extAuthz({ grpc_service: { envoy_grpc: { cluster_name: 'authz' } }, include_peer_certificate: true, include_tls_session: true }), ROUTER] }),
      [cluster('backend', [backend.port]), cluster('authz', [authz.port], { http2: true })],
      { ca, server },
    );
  });
  after(async () => {
    await proxy.close();
    await authz.close();
    await backend.close();
  });

  it('sends the verified peer and local identities, the peer certificate and the SNI', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port: proxy.port, path: '/secure', servername: 'localhost', ca: ca.certPem, cert: client.certPem, key: client.keyPem, headers: { host: 'httpbin.foo' }, agent: false },
        (r) => {
          r.resume();
          r.on('end', () => resolve(r.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(res, 200);
    const attrs = authz.seen.at(-1)!.attributes!;
    assert.equal(attrs.source!.principal, 'spiffe://cluster.local/ns/foo/sa/sleep');
    assert.equal(attrs.destination!.principal, 'spiffe://cluster.local/ns/foo/sa/httpbin');
    assert.equal(decodeURIComponent(attrs.source!.certificate!).trim(), client.certPem.trim());
    assert.equal(attrs.tls_session!.sni, 'localhost');
    assert.equal(attrs.request!.http!.scheme, 'https');
  });
});
