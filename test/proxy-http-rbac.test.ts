// The HTTP RBAC filter through a real HttpConnectionManager on loopback: enforcement, 403
// details, shadow rules and their metadata, LOG, per-route overrides, stats by Envoy name.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { HttpConnectionManagerConfig, HttpFilterConfig, Route } from '../src/proxy/config/model.js';
import { SnapshotHolder, type ConnectionInfo } from '../src/proxy/config/snapshot-holder.js';
import type { HttpFilterDefinition } from '../src/proxy/filters/filter-api.js';
import { RBAC_PER_ROUTE_TYPE_URL, RBAC_TYPE_URL } from '../src/proxy/filters/rbac/config.js';
import { HTTP_FILTERS } from '../src/proxy/filters/registry.js';
import { HttpConnectionManager } from '../src/proxy/http/connection-manager.js';
import type { RequestRecord } from '../src/proxy/http/request-record.js';
import { UpstreamManager } from '../src/proxy/upstream/upstream-manager.js';
import { EnvoyNamedCounters } from '../src/telemetry/envoy-named-counters.js';
import { renderEnvoyStatsText } from '../src/telemetry/envoy-stats-text.js';
import { renderPrometheusText } from '../src/telemetry/prometheus-text.js';
import { cluster, hcmConfig, request, ROUTER, route, routeConfig, silent, snapshot, startUpstream, vhost } from './proxy-http-support.js';

type Metadata = Record<string, Record<string, unknown>> | undefined;

const CAPTURE_TYPE = 'type.googleapis.com/plexus.test.CaptureMetadata';
/** A filter after RBAC that records the dynamic metadata it sees, as ext_authz or a logger would. */
function captureDefinition(seen: Metadata[]): HttpFilterDefinition {
  return {
    wellKnownName: 'plexus.test.capture',
    typeUrls: [CAPTURE_TYPE],
    terminal: false,
    parseConfig: () => ({ ok: true, config: {} }),
    create: (_c, name) => ({
      name,
      decodeHeaders(ctx) {
        seen.push(ctx.dynamicMetadata ? structuredClone(ctx.dynamicMetadata) : undefined);
        return 'continue';
      },
    }),
  };
}

const ANY = { any: true };
const rbacFilter = (config: unknown, name = 'envoy.filters.http.rbac'): HttpFilterConfig => ({ name, typeUrl: RBAC_TYPE_URL, config });
const capture: HttpFilterConfig = { name: 'capture', typeUrl: CAPTURE_TYPE, config: {} };
const pathPolicy = (prefix: string): unknown => ({ permissions: [{ url_path: { path: { prefix } } }], principals: [ANY] });

interface Harness {
  readonly port: number;
  readonly stats: EnvoyNamedCounters;
  readonly records: RequestRecord[];
  readonly seen: Metadata[];
  close(): Promise<void>;
}

let upstreamPort = 0;

async function start(filters: HttpFilterConfig[], routes: Route[] = [route({}, { cluster: 'app' })], extra: Partial<HttpConnectionManagerConfig> = {}): Promise<Harness> {
  const holder = new SnapshotHolder();
  holder.replace(snapshot([cluster('app', [upstreamPort])]));
  const upstream = new UpstreamManager(holder, { logger: silent });
  const stats = new EnvoyNamedCounters();
  const records: RequestRecord[] = [];
  const seen: Metadata[] = [];
  const hcm = new HttpConnectionManager(hcmConfig(routeConfig([vhost('app', ['*'], routes)]), { statPrefix: 'inbound_0.0.0.0_8080', httpFilters: [...filters, capture, ROUTER], ...extra }), {
    snapshots: holder,
    upstream,
    logger: silent,
    envoyStats: stats,
    filterRegistry: [...HTTP_FILTERS, captureDefinition(seen)],
    onRequestComplete: (r) => records.push(r),
  });
  const server = net.createServer((socket) => {
    const info: ConnectionInfo = {
      id: 1, remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0, localAddress: socket.localAddress ?? '', localPort: socket.localPort ?? 0,
      originalDestination: { address: socket.localAddress ?? '', port: 8080 }, tlsTerminated: false, listenerName: 'virtualInbound', filterChainName: '0.0.0.0_8080',
    };
    hcm.handleSocket(socket, info);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    stats,
    records,
    seen,
    close: async () => {
      await hcm.close();
      await new Promise<void>((r) => server.close(() => r()));
      await upstream.close();
    },
  };
}

describe('HTTP RBAC filter', () => {
  let app: Awaited<ReturnType<typeof startUpstream>>;
  before(async () => {
    app = await startUpstream();
    upstreamPort = app.port;
  });
  after(() => app.close());

  it('allow-nothing (rules without policies) answers 403 RBAC: access denied and never reaches the app', async () => {
    const h = await start([rbacFilter({ rules: {} })]);
    try {
      const before = app.seen.length;
      const results = await Promise.all([1, 2, 3].map(() => request(h.port, { path: '/ip' })));
      assert.deepEqual(results.map((r) => r.status), [403, 403, 403]);
      assert.deepEqual(results.map((r) => r.body), ['RBAC: access denied', 'RBAC: access denied', 'RBAC: access denied']);
      assert.equal(app.seen.length, before);
      assert.deepEqual(h.records.map((r) => r.responseCodeDetails), Array(3).fill('rbac_access_denied_matched_policy[none]'));
      assert.equal(h.stats.value('http.inbound_0.0.0.0_8080.rbac.denied'), 3);
      assert.equal(h.stats.value('http.inbound_0.0.0.0_8080.rbac.allowed'), 0);
      assert.deepEqual(h.seen, [], 'filters after a denial never run');
    } finally {
      await h.close();
    }
  });

  it('no rules at all enforces nothing', async () => {
    const h = await start([rbacFilter({})]);
    try {
      assert.equal((await request(h.port)).status, 200);
      assert.equal(h.stats.value('http.inbound_0.0.0.0_8080.rbac.allowed'), 0, 'nothing evaluated, nothing counted');
    } finally {
      await h.close();
    }
  });

  it('DENY names the matched policy in the details; ALLOW lets matching requests through', async () => {
    const h = await start([
      rbacFilter({ rules: { action: 'DENY', policies: { 'ns[foo]-policy[deny-admin]-rule[0]': pathPolicy('/admin') } } }, 'deny'),
      rbacFilter({ rules: { action: 'ALLOW', policies: { 'ns[foo]-policy[allow-get]-rule[0]': { permissions: [{ header: { name: ':method', string_match: { exact: 'GET' } } }], principals: [ANY] } } } }, 'allow'),
    ]);
    try {
      const admin = await request(h.port, { path: '/admin/users' });
      assert.equal(admin.status, 403);
      const get = await request(h.port, { path: '/status' });
      assert.equal(get.status, 200);
      const post = await request(h.port, { path: '/status', method: 'POST', body: 'x' });
      assert.equal(post.status, 403);
      assert.deepEqual(h.records.map((r) => r.responseCodeDetails), ['rbac_access_denied_matched_policy[ns[foo]-policy[deny-admin]-rule[0]]', 'via_upstream', 'rbac_access_denied_matched_policy[none]']);
      // Both filters share the connection manager's scope, so their counters add up.
      assert.equal(h.stats.value('http.inbound_0.0.0.0_8080.rbac.denied'), 2);
      assert.equal(h.stats.value('http.inbound_0.0.0.0_8080.rbac.allowed'), 3);
    } finally {
      await h.close();
    }
  });

  it('remote_ip follows x-forwarded-for; direct_remote_ip is the peer', async () => {
    const h = await start([
      rbacFilter({ rules: { action: 'ALLOW', policies: { xff: { permissions: [ANY], principals: [{ remote_ip: { address_prefix: '203.0.113.0', prefix_len: { value: 24 } } }] } } } }, 'remote'),
      rbacFilter({ rules: { action: 'ALLOW', policies: { peer: { permissions: [ANY], principals: [{ direct_remote_ip: { address_prefix: '127.0.0.1', prefix_len: { value: 32 } } }] } } } }, 'direct'),
    ]);
    try {
      assert.equal((await request(h.port, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 200);
      assert.equal((await request(h.port, { headers: { 'x-forwarded-for': '198.51.100.1' } })).status, 403);
      assert.equal((await request(h.port)).status, 403, 'without XFF the client is the peer, outside 203.0.113.0/24');
    } finally {
      await h.close();
    }
  });

  it('shadow rules are counted and recorded in dynamic metadata, never enforced', async () => {
    const h = await start([
      rbacFilter({
        shadow_rules: { action: 'DENY', policies: { 'ns[foo]-policy[deny-headers]-rule[0]': pathPolicy('/headers') } },
        shadow_rules_stat_prefix: 'istio_dry_run_deny_',
      }),
    ]);
    try {
      assert.equal((await request(h.port, { path: '/headers' })).status, 200);
      assert.equal((await request(h.port, { path: '/ip' })).status, 200);
      assert.deepEqual(h.seen, [
        { 'envoy.filters.http.rbac': { istio_dry_run_deny_shadow_effective_policy_id: 'ns[foo]-policy[deny-headers]-rule[0]', istio_dry_run_deny_shadow_engine_result: 'denied' } },
        { 'envoy.filters.http.rbac': { istio_dry_run_deny_shadow_engine_result: 'allowed' } },
      ]);
      assert.equal(h.stats.value('http.inbound_0.0.0.0_8080.rbac.istio_dry_run_deny_shadow_denied'), 1);
      assert.equal(h.stats.value('http.inbound_0.0.0.0_8080.rbac.istio_dry_run_deny_shadow_allowed'), 1);
      // Prometheus spells it as Envoy does without a tag for the prefix (the name Istio's dry-run task queries).
      const prom = renderPrometheusText(h.stats.collect());
      assert.match(prom, /^envoy_http_inbound_0_0_0_0_8080_rbac_istio_dry_run_deny_shadow_denied 1$/m);
      const text = renderEnvoyStatsText(h.stats.collect());
      assert.match(text, /^http\.inbound_0\.0\.0\.0_8080\.rbac\.istio_dry_run_deny_shadow_denied: 1$/m);
    } finally {
      await h.close();
    }
  });

  it("CUSTOM's shadow policy id gates ext_authz: the id is written only for requests a policy matched", async () => {
    const h = await start([
      rbacFilter({
        shadow_rules: { action: 'ALLOW', policies: { 'istio-ext-authz-ns[foo]-policy[ext]-rule[0]': pathPolicy('/secure') } },
        shadow_rules_stat_prefix: 'istio_ext_authz_',
      }),
    ]);
    try {
      await request(h.port, { path: '/secure/x' });
      await request(h.port, { path: '/open' });
      assert.equal(h.seen[0]?.['envoy.filters.http.rbac']?.['istio_ext_authz_shadow_effective_policy_id'], 'istio-ext-authz-ns[foo]-policy[ext]-rule[0]');
      assert.equal(h.seen[1]?.['envoy.filters.http.rbac']?.['istio_ext_authz_shadow_effective_policy_id'], undefined);
    } finally {
      await h.close();
    }
  });

  it('LOG (AUDIT) never denies and leaves envoy.common.access_log_hint', async () => {
    const h = await start([rbacFilter({ rules: { action: 'LOG', policies: { audit: pathPolicy('/audit') } } })]);
    try {
      assert.equal((await request(h.port, { path: '/audit/1' })).status, 200);
      assert.equal((await request(h.port, { path: '/other' })).status, 200);
      assert.deepEqual(h.seen.map((m) => m?.['envoy.common']?.['access_log_hint']), [true, false]);
      assert.equal(h.stats.value('http.inbound_0.0.0.0_8080.rbac.logged'), 1);
      assert.equal(h.stats.value('http.inbound_0.0.0.0_8080.rbac.not_logged'), 1);
    } finally {
      await h.close();
    }
  });

  it('rules_stat_prefix prefixes the enforcement counters', async () => {
    const h = await start([rbacFilter({ rules: {}, rules_stat_prefix: 'custom_' })]);
    try {
      // Created with the filter, so a scrape before any request already shows them.
      assert.match(renderEnvoyStatsText(h.stats.collect()), /^http\.inbound_0\.0\.0\.0_8080\.rbac\.custom_denied: 0$/m);
      assert.equal((await request(h.port)).status, 403);
      assert.equal(h.stats.value('http.inbound_0.0.0.0_8080.rbac.custom_denied'), 1);
    } finally {
      await h.close();
    }
  });

  it('RBACPerRoute: no rbac turns the filter off on the route, a FilterConfig can disable it, an rbac replaces the rules', async () => {
    const denyAll = rbacFilter({ rules: {} });
    const off = { '@type': RBAC_PER_ROUTE_TYPE_URL };
    const wrappedOff = { '@type': 'type.googleapis.com/envoy.config.route.v3.FilterConfig', disabled: true };
    const onlyGet = { '@type': RBAC_PER_ROUTE_TYPE_URL, rbac: { rules: { policies: { get: { permissions: [{ header: { name: ':method', exact_match: 'GET' } }], principals: [ANY] } } } } };
    const h = await start([denyAll], [
      route({ path: { kind: 'prefix', value: '/public' } }, { cluster: 'app' }, { perFilterConfig: { 'envoy.filters.http.rbac': off } }),
      route({ path: { kind: 'prefix', value: '/wrapped' } }, { cluster: 'app' }, { perFilterConfig: { 'envoy.filters.http.rbac': wrappedOff } }),
      route({ path: { kind: 'prefix', value: '/get-only' } }, { cluster: 'app' }, { perFilterConfig: { 'envoy.filters.http.rbac': onlyGet } }),
      route({}, { cluster: 'app' }),
    ]);
    try {
      const statuses = [];
      for (const [path, method] of [['/public', 'GET'], ['/wrapped', 'GET'], ['/get-only', 'GET'], ['/get-only', 'DELETE'], ['/private', 'GET']] as const) {
        statuses.push((await request(h.port, { path, method })).status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 403, 403]);
    } finally {
      await h.close();
    }
  });

  it('a denied gRPC call gets PERMISSION_DENIED (grpc-status 7) with the RBAC message', async () => {
    const h = await start([rbacFilter({ rules: {} })], [route({}, { cluster: 'app' })], { codec: 'HTTP2' });
    const client = http2.connect(`http://127.0.0.1:${h.port}`);
    try {
      const reply = await new Promise<{ status: number; grpcStatus: string | undefined; message: string | undefined }>((resolve, reject) => {
        const stream = client.request({ ':method': 'POST', ':path': '/pkg.Service/Method', 'content-type': 'application/grpc', te: 'trailers' });
        let status = 0;
        let grpcStatus: string | undefined;
        let message: string | undefined;
        stream.on('response', (headers) => {
          status = Number(headers[':status']);
          grpcStatus ??= headers['grpc-status'] as string | undefined;
          message ??= headers['grpc-message'] as string | undefined;
        });
        stream.on('trailers', (t) => {
          grpcStatus ??= t['grpc-status'] as string | undefined;
          message ??= t['grpc-message'] as string | undefined;
        });
        stream.on('close', () => resolve({ status, grpcStatus, message }));
        stream.on('error', reject);
        stream.resume();
        stream.end(Buffer.alloc(5));
      });
      assert.deepEqual(reply, { status: 200, grpcStatus: '7', message: 'RBAC: access denied' });
      assert.equal(h.records[0]?.responseCodeDetails, 'rbac_access_denied_matched_policy[none]');
    } finally {
      client.close();
      await h.close();
    }
  });

  it('HTTP-only rules read pseudo-headers as Envoy does (:authority, :path with query)', async () => {
    const h = await start([
      rbacFilter({ rules: { policies: { host: { permissions: [{ and_rules: { rules: [{ header: { name: ':authority', string_match: { exact: 'api.example.com', ignore_case: true } } }, { header: { name: ':path', string_match: { suffix: '?debug=1' } } }] } }], principals: [ANY] } } } }),
    ]);
    try {
      assert.equal((await request(h.port, { path: '/x?debug=1', headers: { host: 'API.example.com' } })).status, 200);
      assert.equal((await request(h.port, { path: '/x', headers: { host: 'api.example.com' } })).status, 403);
    } finally {
      await h.close();
    }
  });
});
