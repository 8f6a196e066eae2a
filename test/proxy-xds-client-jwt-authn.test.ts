// jwt_authn through the xds-client: what istiod (and the Plexus controller) sends is ACKed and
// runs; what the proxy cannot run is NACKed with the field path and the last good snapshot stays.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { HttpConnectionManagerConfig } from '../src/proxy/config/model.js';
import { packAny, type ProtoJson, type WireAny } from '../src/proxy/xds-client/proto-root.js';
import { answer, hcm, ROUTER, routeConfig, syncedXdsClient, TYPES, type SyncedXdsClient } from './proxy-xds-client-fake-ads.js';

const CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';
const NODE = { type: 'sidecar' as const, ip: '198.18.96.5', podName: 'web-1', namespace: 'default', serviceAccount: 'web' };
const JWT_TYPE = 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
const JWKS = JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', kid: 'k', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] });

const jwt = (config: ProtoJson): ProtoJson => ({ name: 'envoy.filters.http.jwt_authn', typed_config: packAny(JWT_TYPE, config) });
const istiod = (provider: ProtoJson = {}): ProtoJson => ({
  providers: { 'origins-0': { issuer: 'https://idp.example', local_jwks: { inline_string: JWKS }, payload_in_metadata: 'payload', ...provider } },
  rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'origins-0' }, { allow_missing: {} }] } } }],
  bypass_cors_preflight: true,
});

function listenerWith(httpFilters: ProtoJson[]): WireAny {
  return packAny('envoy.config.listener.v3.Listener', {
    name: '0.0.0.0_9080',
    address: { socket_address: { address: '0.0.0.0', port_value: 9080 } },
    bind_to_port: { value: false },
    filter_chains: [{
      filter_chain_match: { destination_port: { value: 9080 } },
      filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm({ http_filters: httpFilters, rds: { route_config_name: '9080', config_source: { ads: {} } } }) }],
    }],
  });
}

let h: SyncedXdsClient | undefined;

/** A client synced on a listener whose chain carries the filters under test. */
function synced(): Promise<SyncedXdsClient> {
  return syncedXdsClient(NODE, CLUSTER, '198.18.96.7', listenerWith([jwt(istiod()), ROUTER]));
}

const FILTER = 'Listener "0.0.0.0_9080": filter_chains[0].filters[0].typed_config.http_filters[0].typed_config: invalid envoy.filters.http.jwt_authn config for filter envoy.filters.http.jwt_authn';

describe('xds-client and jwt_authn', { timeout: 30_000 }, () => {
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('ACKs istiod\'s jwt_authn and NACKs what the proxy cannot run, keeping the last good listener', async () => {
    h = await synced();
    const good = h.holder.current;
    const chain = good.listeners.get('0.0.0.0_9080')!.filterChains[0]!.filters[0] as HttpConnectionManagerConfig;
    assert.deepEqual(chain.httpFilters.map((f) => f.name), ['envoy.filters.http.jwt_authn', 'envoy.filters.http.router']);
    const cases: { name: string; config: ProtoJson; detail: RegExp }[] = [
      {
        name: 'remote_jwks',
        config: istiod({ local_jwks: undefined, remote_jwks: { http_uri: { uri: 'https://idp.example/jwks', cluster: 'outbound|443||idp.example', timeout: { seconds: 5 } }, cache_duration: { seconds: 300 } } }),
        detail: /providers\["origins-0"\]\.remote_jwks: remote JWKS fetching by the proxy is not supported/,
      },
      { name: 'an unknown provider', config: { ...istiod(), rules: [{ match: { prefix: '/' }, requires: { provider_name: 'origins-9' } }] }, detail: /rules\[0\]\.requires\.provider_name: Required provider \['origins-9'\] is not configured\./ },
      { name: 'subjects', config: istiod({ subjects: { prefix: 'spiffe://' } }), detail: /providers\["origins-0"\]\.subjects: subject matching is not supported/ },
    ];
    let version = 2;
    for (const c of cases) {
      const detail = await answer(h.s, TYPES.listener, `v${version++}`, [listenerWith([jwt(c.config), ROUTER])]);
      assert.ok(detail?.startsWith(FILTER), `${c.name}: ${detail}`);
      assert.match(detail ?? '', c.detail, c.name);
      assert.equal(h.holder.current, good, `${c.name}: the last good snapshot keeps serving`);
    }
  });

  it('takes PerRouteConfig on routes (disabled, requirement_name) and NACKs an empty one', async () => {
    h = await synced();
    const good = h.holder.current;
    const perRoute = (config: ProtoJson): WireAny => routeConfig('9080', CLUSTER, { typed_per_filter_config: { 'envoy.filters.http.jwt_authn': packAny('envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig', config) } });
    const detail = await answer(h.s, TYPES.route, 'v2', [perRoute({})]);
    assert.match(detail ?? '', /typed_per_filter_config\.envoy\.filters\.http\.jwt_authn: .*one of disabled, requirement_name is required/);
    assert.equal(h.holder.current, good);
    for (const [version, config] of [['v3', { disabled: true }], ['v4', { requirement_name: 'r' }]] as const) {
      const published = new Promise<void>((resolve) => h!.client.once('snapshot', () => resolve()));
      assert.equal(await answer(h.s, TYPES.route, version, [perRoute(config)]), undefined);
      await published;
    }
  });
});
