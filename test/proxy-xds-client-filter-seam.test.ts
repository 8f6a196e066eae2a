// The filter seam of the xds-client: every HTTP filter, network RBAC filter and per-route
// filter config is parsed by the filter that would run it, and what no filter can run is
// NACKed with the exact field path while the last good snapshot keeps serving.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { HttpConnectionManagerConfig } from '../src/proxy/config/model.js';
import { packAny, type ProtoJson, type WireAny } from '../src/proxy/xds-client/proto-root.js';
import { answer, hcm, ROUTER, routeConfig, syncedXdsClient, TYPES, type SyncedXdsClient } from './proxy-xds-client-fake-ads.js';

const CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';
const NODE = { type: 'sidecar' as const, ip: '198.18.94.5', podName: 'web-1', namespace: 'default', serviceAccount: 'web' };
const ANY = { any: true };

function listenerWith(httpFilters: ProtoJson[], extraFilters: ProtoJson[] = []): WireAny {
  return packAny('envoy.config.listener.v3.Listener', {
    name: '0.0.0.0_9080',
    address: { socket_address: { address: '0.0.0.0', port_value: 9080 } },
    bind_to_port: { value: false },
    filter_chains: [{
      filter_chain_match: { destination_port: { value: 9080 } },
      filters: [...extraFilters, { name: 'envoy.filters.network.http_connection_manager', typed_config: hcm({ http_filters: httpFilters, rds: { route_config_name: '9080', config_source: { ads: {} } } }) }],
    }],
  });
}

const rbacHttp = (config: ProtoJson, extra: ProtoJson = {}): ProtoJson => ({ name: 'envoy.filters.http.rbac', typed_config: packAny('envoy.extensions.filters.http.rbac.v3.RBAC', config), ...extra });
const localRateLimit = { name: 'envoy.filters.http.local_ratelimit', typed_config: packAny('envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', { stat_prefix: 'rl' }) };

let h: SyncedXdsClient | undefined;

/** A client synced on a listener whose chain carries the filters under test. */
function synced(): Promise<SyncedXdsClient> {
  return syncedXdsClient(NODE, CLUSTER, '198.18.94.7', listenerWith([rbacHttp({ rules: {} }), ROUTER]));
}

const LISTENER = 'Listener "0.0.0.0_9080": filter_chains[0]';
const HTTP_FILTERS = `${LISTENER}.filters[0].typed_config.http_filters`;

describe('xds-client filter seam', { timeout: 30_000 }, () => {
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('NACKs HTTP filters no filter implements, or whose config the filter refuses, naming every reason', async () => {
    h = await synced();
    const good = h.holder.current;
    const cases: { name: string; filters: ProtoJson[]; detail: string }[] = [
      {
        name: 'unknown type, not optional',
        filters: [localRateLimit, ROUTER],
        detail: `${HTTP_FILTERS}[0].typed_config: unknown HTTP filter type type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit for filter envoy.filters.http.local_ratelimit (not is_optional, so it cannot be skipped)`,
      },
      {
        name: 'RBAC it cannot evaluate',
        filters: [rbacHttp({ rules: { policies: { 'ns[default]-policy[p]-rule[0]': { permissions: [{ uri_template: { name: 'tmpl' } }] } } } }), ROUTER],
        detail: `${HTTP_FILTERS}[0].typed_config: invalid envoy.filters.http.rbac config for filter envoy.filters.http.rbac: rules.policies["ns[default]-policy[p]-rule[0]"].permissions[0].uri_template: uri_template permissions are not supported; rules.policies["ns[default]-policy[p]-rule[0]"].principals: at least one entry is required`,
      },
      {
        name: 'RBAC matcher tree',
        filters: [rbacHttp({ matcher: {} }), ROUTER],
        detail: `${HTTP_FILTERS}[0].typed_config: invalid envoy.filters.http.rbac config for filter envoy.filters.http.rbac: matcher: the matcher-tree form of RBAC is not supported; use rules`,
      },
      {
        name: 'no terminal filter',
        filters: [rbacHttp({})],
        detail: `${LISTENER}.filters[0].typed_config.http_filters: the router filter must be present once, as the last filter`,
      },
    ];
    let version = 2;
    for (const c of cases) {
      const detail = await answer(h.s, TYPES.listener, `v${version++}`, [listenerWith(c.filters)]);
      assert.equal(detail, c.detail, c.name);
      assert.equal(h.holder.current, good, `${c.name}: the last good snapshot keeps serving`);
    }
    // An unknown filter marked is_optional is skipped, as Envoy does; the update is accepted.
    const next = new Promise<void>((resolve) => h!.client.once('snapshot', () => resolve()));
    assert.equal(await answer(h.s, TYPES.listener, 'v9', [listenerWith([{ ...localRateLimit, is_optional: true }, rbacHttp({ rules: { action: 'DENY' } }), ROUTER])]), undefined);
    await next;
    const chainHcm = h.holder.current.listeners.get('0.0.0.0_9080')!.filterChains[0]!.filters[0] as HttpConnectionManagerConfig;
    assert.deepEqual(chainHcm.httpFilters.map((f) => f.name), ['envoy.filters.http.rbac', 'envoy.filters.http.router']);
  });

  it('NACKs a network RBAC filter it cannot evaluate', async () => {
    h = await synced();
    const good = h.holder.current;
    const networkRbac = { name: 'envoy.filters.network.rbac', typed_config: packAny('envoy.extensions.filters.network.rbac.v3.RBAC', { stat_prefix: 'tcp.', rules: { action: 'ALLOW', policies: { p: { permissions: [ANY], principals: [{ filter_state: { key: 'k' } }] } } } }) };
    const detail = await answer(h.s, TYPES.listener, 'v2', [listenerWith([ROUTER], [networkRbac])]);
    assert.equal(detail, `${LISTENER}.filters[0].typed_config: invalid envoy.filters.network.rbac config: rules.policies["p"].principals[0].filter_state: filter_state principals are not supported (the proxy keeps no filter state)`);
    assert.equal(h.holder.current, good);
  });

  it('parses every typed_per_filter_config with the filter that owns its type, on routes and virtual hosts', async () => {
    h = await synced();
    const good = h.holder.current;
    const rbacPerRoute = (rbac?: ProtoJson): WireAny => packAny('envoy.extensions.filters.http.rbac.v3.RBACPerRoute', rbac ? { rbac } : {});
    const filterConfig = (config: WireAny, extra: ProtoJson): WireAny => packAny('envoy.config.route.v3.FilterConfig', { config, ...extra });
    const onRoute = (pfc: ProtoJson): WireAny => routeConfig('9080', CLUSTER, { typed_per_filter_config: pfc });
    const onVhost = (pfc: ProtoJson): WireAny => packAny('envoy.config.route.v3.RouteConfiguration', {
      name: '9080', virtual_hosts: [{ name: 'vh', domains: ['*'], typed_per_filter_config: pfc, routes: [{ match: { prefix: '/' }, route: { cluster: CLUSTER } }] }],
    });
    const localRl = packAny('envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', { stat_prefix: 'rl' });
    const ROUTE = 'RouteConfiguration "9080": virtual_hosts[0].routes[0].typed_per_filter_config';
    const VHOST = 'RouteConfiguration "9080": virtual_hosts[0].typed_per_filter_config';
    const nacks: { name: string; rc: WireAny; detail: string }[] = [
      {
        name: 'no filter takes the type',
        rc: onRoute({ 'envoy.filters.http.local_ratelimit': localRl }),
        detail: `${ROUTE}.envoy.filters.http.local_ratelimit: no HTTP filter takes per-route config of type type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit (filter envoy.filters.http.local_ratelimit; not is_optional, so it cannot be skipped)`,
      },
      {
        name: 'a FilterConfig wrapper that is not optional',
        rc: onVhost({ 'envoy.filters.http.local_ratelimit': filterConfig(localRl, {}) }),
        detail: `${VHOST}.envoy.filters.http.local_ratelimit: no HTTP filter takes per-route config of type type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit (filter envoy.filters.http.local_ratelimit; not is_optional, so it cannot be skipped)`,
      },
      {
        name: 'RBACPerRoute the engine refuses',
        rc: onRoute({ 'envoy.filters.http.rbac': rbacPerRoute({ rules: { policies: { p: { permissions: [{ header: { name: 'x', safe_regex_match: { regex: '' } } }], principals: [ANY] } } } }) }),
        detail: `${ROUTE}.envoy.filters.http.rbac: invalid per-route config type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute for filter envoy.filters.http.rbac: rbac.rules.policies["p"].permissions[0].header.safe_regex_match.regex: is required`,
      },
      {
        name: 'RBACPerRoute inside a FilterConfig',
        rc: onVhost({ 'envoy.filters.http.rbac': filterConfig(rbacPerRoute({ shadow_matcher: {} }), { is_optional: true }) }),
        detail: `${VHOST}.envoy.filters.http.rbac: invalid per-route config type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute for filter envoy.filters.http.rbac: rbac.shadow_matcher: the matcher-tree form of RBAC is not supported; use shadow_rules`,
      },
    ];
    nacks.push(
      {
        name: 'per-filter config on a weighted cluster',
        rc: packAny('envoy.config.route.v3.RouteConfiguration', { name: '9080', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: CLUSTER, weight: { value: 1 }, typed_per_filter_config: { 'envoy.filters.http.rbac': rbacPerRoute() } }] } } }] }] }),
        detail: 'RouteConfiguration "9080": virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0].typed_per_filter_config: per-filter config on weighted clusters is not supported',
      },
      {
        name: 'per-filter config on the route configuration',
        rc: packAny('envoy.config.route.v3.RouteConfiguration', { name: '9080', typed_per_filter_config: { 'envoy.filters.http.rbac': rbacPerRoute() }, virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: CLUSTER } }] }] }),
        detail: 'RouteConfiguration "9080": typed_per_filter_config: per-filter config on the route configuration is not supported (set it on virtual hosts or routes)',
      },
    );
    let version = 2;
    for (const c of nacks) {
      assert.equal(await answer(h.s, TYPES.route, `v${version++}`, [c.rc]), c.detail, c.name);
      assert.equal(h.holder.current, good, `${c.name}: the last good snapshot keeps serving`);
    }
    // What the proxy can run is accepted: RBACPerRoute with and without rules, the fault filter's
    // own message, an optional unknown wrapped config (skipped), and a disabling wrapper.
    const accepted: WireAny[] = [
      onRoute({ 'envoy.filters.http.rbac': rbacPerRoute({ rules: { action: 'DENY', policies: { p: { permissions: [ANY], principals: [ANY] } } } }) }),
      onVhost({ 'envoy.filters.http.rbac': rbacPerRoute() }),
      onRoute({ 'envoy.filters.http.fault': packAny('envoy.extensions.filters.http.fault.v3.HTTPFault', { abort: { http_status: 503, percentage: { numerator: 1 } } }) }),
      onRoute({ 'envoy.filters.http.local_ratelimit': filterConfig(localRl, { is_optional: true }), 'envoy.filters.http.rbac': packAny('envoy.config.route.v3.FilterConfig', { disabled: true }) }),
    ];
    for (const rc of accepted) {
      const published = new Promise<void>((resolve) => h!.client.once('snapshot', () => resolve()));
      assert.equal(await answer(h.s, TYPES.route, `v${version++}`, [rc]), undefined);
      await published;
    }
    const pfc = h.holder.current.routes.get('9080')!.virtualHosts[0]!.routes[0]!.perFilterConfig!;
    assert.deepEqual(Object.keys(pfc), ['envoy.filters.http.rbac'], 'the optional unknown config is skipped');
  });
});
