import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAnyToJson, packAny } from '../../xds-client/proto-root.js';
import { validateHttpFilters } from '../registry.js';
import { EXT_AUTHZ_PER_ROUTE_TYPE_URL, EXT_AUTHZ_TYPE_URL, parseExtAuthzConfig, parseExtAuthzPerRoute } from './config.js';

const GATE = {
  filter: 'envoy.filters.http.rbac',
  path: [{ key: 'istio_ext_authz_shadow_effective_policy_id' }],
  value: { string_match: { prefix: 'istio-ext-authz' } },
};

/** The HTTP provider config as istiod generates it, through the real proto encoding. */
function istiodHttp(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const any = packAny('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', {
    status_on_error: { code: 'ServiceUnavailable' },
    failure_mode_allow: true,
    transport_api_version: 'V3',
    http_service: {
      path_prefix: '/authz',
      server_uri: { uri: 'http://ext-authz.foo.svc.cluster.local', cluster: 'outbound|8000||ext-authz.foo.svc.cluster.local', timeout: { seconds: 600 } },
      authorization_request: { headers_to_add: [{ key: 'x-extra', value: 'v' }] },
      authorization_response: {
        allowed_upstream_headers: { patterns: [{ exact: 'x-ext-authz-check-result', ignore_case: true }] },
        allowed_client_headers: { patterns: [{ prefix: 'x-ext-authz', ignore_case: true }] },
      },
    },
    filter_enabled_metadata: GATE,
    with_request_body: { max_request_bytes: 8192, allow_partial_message: true },
    allowed_headers: { patterns: [{ exact: 'x-ext-authz', ignore_case: true }, { suffix: '-authz-extra', ignore_case: true }] },
    ...extra,
  });
  return decodeAnyToJson(any)!;
}

describe('ext_authz config', () => {
  it('parses the HTTP provider config istiod sends (decoded from the wire)', () => {
    const parsed = parseExtAuthzConfig(istiodHttp());
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('; '));
    const c = parsed.config;
    assert.equal(c.service.kind, 'http');
    if (c.service.kind !== 'http') return;
    assert.equal(c.service.cluster, 'outbound|8000||ext-authz.foo.svc.cluster.local');
    assert.equal(c.service.timeoutMs, 600_000);
    assert.equal(c.service.pathPrefix, '/authz');
    assert.deepEqual(c.service.headersToAdd, [['x-extra', 'v']]);
    assert.equal(c.service.allowedUpstreamHeaders!('x-ext-authz-check-result'), true);
    assert.equal(c.service.allowedUpstreamHeaders!('x-other'), false);
    assert.equal(c.service.allowedClientHeaders!('x-ext-authz-anything'), true);
    assert.equal(c.statusOnError, 503);
    assert.equal(c.failureModeAllow, true);
    assert.deepEqual(c.withRequestBody, { maxRequestBytes: 8192, allowPartialMessage: true, packAsBytes: false });
    assert.equal(c.allowedHeaders!('x-ext-authz'), true);
    assert.equal(c.allowedHeaders!('x-my-authz-extra'), true);
    assert.equal(c.allowedHeaders!('cookie'), false);
    assert.equal(c.filterEnabledMetadata!({ 'envoy.filters.http.rbac': { istio_ext_authz_shadow_effective_policy_id: 'istio-ext-authz-ns[a]-policy[b]-rule[0]' } }), true);
    assert.equal(c.filterEnabledMetadata!({ 'envoy.filters.http.rbac': { istio_ext_authz_shadow_effective_policy_id: 'ns[a]-policy[b]-rule[0]' } }), false);
    assert.equal(c.filterEnabledMetadata!(undefined), false);
  });

  it('parses the gRPC provider config istiod sends, with Envoy defaults', () => {
    const raw = decodeAnyToJson(
      packAny('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', {
        grpc_service: { envoy_grpc: { cluster_name: 'outbound|9000||ext-authz.foo.svc.cluster.local', authority: 'ext-authz.foo.svc.cluster.local' }, timeout: { nanos: 250_000_000 } },
        transport_api_version: 'V3',
        filter_enabled_metadata: GATE,
      }),
    )!;
    const parsed = parseExtAuthzConfig(raw);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.join('; '));
    const c = parsed.config;
    assert.deepEqual(c.service, { kind: 'grpc', cluster: 'outbound|9000||ext-authz.foo.svc.cluster.local', authority: 'ext-authz.foo.svc.cluster.local', timeoutMs: 250, initialMetadata: [] });
    assert.equal(c.statusOnError, 403);
    assert.equal(c.failureModeAllow, false);
    assert.equal(c.withRequestBody, undefined);
    const noTimeout = parseExtAuthzConfig({ grpc_service: { envoy_grpc: { cluster_name: 'c' } } });
    assert.ok(noTimeout.ok);
    assert.equal(noTimeout.config.service.timeoutMs, 200, "Envoy's default timeout");
    assert.equal(noTimeout.config.service.kind === 'grpc' && noTimeout.config.service.authority, 'c', 'authority defaults to the cluster name');
  });

  const refusals: { readonly name: string; readonly raw: Record<string, unknown>; readonly reason: RegExp }[] = [
    { name: 'no service', raw: {}, reason: /^services: one of grpc_service, http_service is required$/ },
    { name: 'both services', raw: { grpc_service: { envoy_grpc: { cluster_name: 'a' } }, http_service: { server_uri: { uri: 'http://x', cluster: 'b' } } }, reason: /^services: only one/ },
    { name: 'google_grpc', raw: { grpc_service: { google_grpc: { target_uri: 'x:1', stat_prefix: 'x' } } }, reason: /^grpc_service\.google_grpc: is not supported/ },
    { name: 'V2 transport', raw: { grpc_service: { envoy_grpc: { cluster_name: 'a' } }, transport_api_version: 'V2' }, reason: /^transport_api_version: V2 is not supported/ },
    { name: 'http without cluster', raw: { http_service: { server_uri: { uri: 'http://x', timeout: '1s' } } }, reason: /^http_service\.server_uri\.cluster: is required/ },
    { name: 'bad path_prefix', raw: { http_service: { server_uri: { uri: 'http://x', cluster: 'c' }, path_prefix: 'authz' } }, reason: /^http_service\.path_prefix: must start with "\/"/ },
    { name: 'validate_mutations', raw: { grpc_service: { envoy_grpc: { cluster_name: 'a' } }, validate_mutations: true }, reason: /^validate_mutations: is not supported/ },
    { name: 'mutation rules', raw: { grpc_service: { envoy_grpc: { cluster_name: 'a' } }, decoder_header_mutation_rules: {} }, reason: /^decoder_header_mutation_rules: is not supported/ },
    { name: 'route metadata', raw: { grpc_service: { envoy_grpc: { cluster_name: 'a' } }, route_metadata_context_namespaces: ['x'] }, reason: /^route_metadata_context_namespaces: is not supported/ },
    { name: 'bad status', raw: { grpc_service: { envoy_grpc: { cluster_name: 'a' } }, status_on_error: { code: 42 } }, reason: /^status_on_error\.code: 42 is not an HTTP status/ },
    { name: 'zero body limit', raw: { grpc_service: { envoy_grpc: { cluster_name: 'a' } }, with_request_body: { max_request_bytes: 0 } }, reason: /^with_request_body\.max_request_bytes: must be an integer > 0/ },
    { name: 'bad metadata gate', raw: { grpc_service: { envoy_grpc: { cluster_name: 'a' } }, filter_enabled_metadata: { filter: 'x' } }, reason: /^filter_enabled_metadata\.path/ },
    { name: 'empty header list', raw: { grpc_service: { envoy_grpc: { cluster_name: 'a' } }, allowed_headers: { patterns: [] } }, reason: /^allowed_headers\.patterns: at least one pattern/ },
    { name: 'bad header regex', raw: { grpc_service: { envoy_grpc: { cluster_name: 'a' } }, allowed_headers: { patterns: [{ safe_regex: { regex: '(' } }] } }, reason: /^allowed_headers\.patterns\[0\]\.safe_regex\.regex/ },
    { name: 'grpc retry policy', raw: { grpc_service: { envoy_grpc: { cluster_name: 'a' }, retry_policy: {} } }, reason: /^grpc_service\.retry_policy: is not supported/ },
  ];
  for (const { name, raw, reason } of refusals) {
    it(`refuses ${name}, naming the field`, () => {
      const parsed = parseExtAuthzConfig(raw);
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.ok(parsed.errors.some((e) => reason.test(e)), `errors: ${parsed.errors.join('; ')}`);
    });
  }

  it('reports every problem at once', () => {
    const parsed = parseExtAuthzConfig({ http_service: { server_uri: { uri: 'http://x' }, path_prefix: 'x' }, validate_mutations: true, status_on_error: { code: 7 } });
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.equal(parsed.errors.length, 4, parsed.errors.join('; '));
  });

  it('the registry NACKs an ext_authz filter it cannot run, with the filter position', () => {
    const errors = validateHttpFilters([
      { name: 'envoy.filters.http.ext_authz', typeUrl: EXT_AUTHZ_TYPE_URL, config: { grpc_service: { google_grpc: {} } } },
      { name: 'envoy.filters.http.router', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', config: {} },
    ]);
    assert.deepEqual(errors, ['http_filters[0] (envoy.filters.http.ext_authz): grpc_service.google_grpc: is not supported by Plexus; use envoy_grpc with a cluster']);
  });
});

describe('ExtAuthzPerRoute', () => {
  const cases: { readonly name: string; readonly raw: unknown; readonly ok: boolean; readonly expect?: unknown }[] = [
    { name: 'disabled', raw: { disabled: true }, ok: true, expect: { disabled: true } },
    { name: 'disabled false', raw: { disabled: false }, ok: false },
    {
      name: 'context extensions',
      raw: { check_settings: { context_extensions: { a: '1' } } },
      ok: true,
      expect: { disabled: false, contextExtensions: { a: '1' }, disableRequestBodyBuffering: false, withRequestBody: undefined },
    },
    { name: 'both body settings', raw: { check_settings: { disable_request_body_buffering: true, with_request_body: { max_request_bytes: 5 } } }, ok: false },
    { name: 'neither', raw: {}, ok: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const parsed = parseExtAuthzPerRoute(c.raw);
      assert.equal(parsed.ok, c.ok, parsed.ok ? '' : parsed.errors.join('; '));
      if (parsed.ok) assert.deepEqual(parsed.config, c.expect);
    });
  }

  it('decodes from the wire', () => {
    const raw = decodeAnyToJson(packAny('envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', { check_settings: { context_extensions: { vhost: 'v' } } }))!;
    assert.equal(raw['@type'], EXT_AUTHZ_PER_ROUTE_TYPE_URL);
    const parsed = parseExtAuthzPerRoute(raw);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.ok && !parsed.config.disabled && parsed.config.contextExtensions, { vhost: 'v' });
  });
});
