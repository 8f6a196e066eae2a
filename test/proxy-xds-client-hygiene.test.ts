// The xds-client's translation of the request-hygiene and identity fields: what it keeps, its
// defaults, and what it refuses (NACK naming the field) rather than silently ignore.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DownstreamTlsConfig, HttpConnectionManagerConfig, ListenerConfig } from '../src/proxy/config/model.js';
import { InvalidResourceError } from '../src/proxy/xds-client/invalid-resource.js';
import { packAny, type ProtoJson } from '../src/proxy/xds-client/proto-root.js';
import { XDS_TYPE } from '../src/proxy/xds-client/resource-types.js';
import { translateResource } from '../src/proxy/xds-client/translate-resource.js';
import { hcm } from './proxy-xds-client-fake-ads.js';

const INLINE_ROUTES = { route_config: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] } };

function listener(hcmFields: ProtoJson, validation?: ProtoJson): ListenerConfig {
  const chain: ProtoJson = { filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm({ ...INLINE_ROUTES, ...hcmFields }) }] };
  if (validation) {
    chain.transport_socket = {
      name: 'envoy.transport_sockets.tls',
      typed_config: packAny('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', {
        require_client_certificate: { value: true },
        common_tls_context: {
          tls_certificate_sds_secret_configs: [{ name: 'default' }],
          combined_validation_context: { default_validation_context: validation, validation_context_sds_secret_config: { name: 'ROOTCA' } },
        },
      }),
    };
  }
  const l = { name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 15006 } }, filter_chains: [chain] };
  return translateResource(XDS_TYPE.listener, packAny('envoy.config.listener.v3.Listener', l), 'v', 0, () => {
    throw new Error('no files');
  }).value;
}

const hcmOf = (l: ListenerConfig): HttpConnectionManagerConfig => l.filterChains[0]!.filters.find((f): f is HttpConnectionManagerConfig => f.kind === 'http_connection_manager')!;
const tlsOf = (l: ListenerConfig): DownstreamTlsConfig => l.filterChains[0]!.tls!;

function refused(fn: () => unknown, field: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof InvalidResourceError && field.test(err.message), `refused: ${field}`);
}

describe('HCM hygiene fields', () => {
  it("Envoy's defaults: no normalisation, SANITIZE, 100 headers", () => {
    const h = hcmOf(listener({}));
    assert.equal(h.pathNormalization, undefined);
    assert.equal(h.forwardClientCertDetails, undefined);
    assert.equal(h.maxHeadersCount, 100);
  });

  it('normalize_path, merge_slashes, path_with_escaped_slashes_action (IMPLEMENTATION_SPECIFIC_DEFAULT = KEEP_UNCHANGED)', () => {
    const CASES: ReadonlyArray<readonly [ProtoJson, unknown]> = [
      [{ normalize_path: { value: true } }, { normalizePath: true, mergeSlashes: false, escapedSlashesAction: 'KEEP_UNCHANGED' }],
      [{ normalize_path: { value: false }, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' }, undefined],
      [{ normalize_path: { value: true }, merge_slashes: true, path_with_escaped_slashes_action: 'UNESCAPE_AND_FORWARD' }, { normalizePath: true, mergeSlashes: true, escapedSlashesAction: 'UNESCAPE_AND_FORWARD' }],
      [{ merge_slashes: true }, { normalizePath: false, mergeSlashes: true, escapedSlashesAction: 'KEEP_UNCHANGED' }],
      [{ path_with_escaped_slashes_action: 'REJECT_REQUEST' }, { normalizePath: false, mergeSlashes: false, escapedSlashesAction: 'REJECT_REQUEST' }],
      [{ path_with_escaped_slashes_action: 'UNESCAPE_AND_REDIRECT' }, { normalizePath: false, mergeSlashes: false, escapedSlashesAction: 'UNESCAPE_AND_REDIRECT' }],
      [{ path_with_escaped_slashes_action: 'IMPLEMENTATION_SPECIFIC_DEFAULT' }, undefined],
    ];
    for (const [fields, want] of CASES) assert.deepEqual(hcmOf(listener(fields)).pathNormalization, want, JSON.stringify(fields));
  });

  it('forward_client_cert_details and set_current_client_cert_details', () => {
    const h = hcmOf(listener({ forward_client_cert_details: 'APPEND_FORWARD', set_current_client_cert_details: { subject: { value: true }, uri: true, dns: true } }));
    assert.equal(h.forwardClientCertDetails, 'APPEND_FORWARD');
    assert.deepEqual(h.setCurrentClientCertDetails, { subject: true, cert: false, chain: false, dns: true, uri: true });
    for (const mode of ['SANITIZE', 'FORWARD_ONLY', 'SANITIZE_SET', 'ALWAYS_FORWARD_ONLY']) assert.equal(hcmOf(listener({ forward_client_cert_details: mode })).forwardClientCertDetails, mode);
  });

  it('common_http_protocol_options.max_headers_count', () => {
    assert.equal(hcmOf(listener({ common_http_protocol_options: { max_headers_count: { value: 250 } } })).maxHeadersCount, 250);
    assert.equal(hcmOf(listener({ common_http_protocol_options: {} })).maxHeadersCount, 100);
    refused(() => listener({ common_http_protocol_options: { max_headers_count: { value: 0 } } }), /max_headers_count/);
    refused(() => listener({ common_http_protocol_options: { idle_timeout: { seconds: 30 } } }), /common_http_protocol_options\.idle_timeout: idle_timeout is not supported on the downstream side/);
  });

  it('refuses a path normalisation extension it does not run', () => {
    refused(() => listener({ path_normalization_options: { forwarding_transformation: {} } }), /path_normalization_options/);
  });
});

describe('validation context SAN matchers', () => {
  it('untyped (istiod inbound) → any SAN type; typed → their type', () => {
    assert.deepEqual(tlsOf(listener({}, { match_subject_alt_names: [{ prefix: 'spiffe://cluster.local/' }] })).matchSubjectAltNames, [{ kind: 'prefix', value: 'spiffe://cluster.local/' }]);
    assert.deepEqual(
      tlsOf(listener({}, { match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'a.example' } }, { san_type: 'EMAIL', matcher: { suffix: '@example' } }] })).matchSubjectAltNames,
      [{ kind: 'exact', value: 'a.example', sanType: 'DNS' }, { kind: 'suffix', value: '@example', sanType: 'EMAIL' }],
    );
  });

  it('typed matchers win: the deprecated untyped list is ignored beside them, as Envoy does', () => {
    const tls = tlsOf(listener({}, { match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { prefix: 'spiffe://a/' } }], match_subject_alt_names: [{ prefix: 'spiffe://b/' }] }));
    assert.deepEqual(tls.matchSubjectAltNames, [{ kind: 'prefix', value: 'spiffe://a/', sanType: 'URI' }]);
  });

  it('refuses SAN types it cannot check', () => {
    refused(() => listener({}, { match_typed_subject_alt_names: [{ san_type: 'OTHER_NAME', oid: '1.3.6.1.4.1.311.20.2.3', matcher: { exact: 'x' } }] }), /match_typed_subject_alt_names\[0\]\.san_type/);
    refused(() => listener({}, { match_typed_subject_alt_names: [{ matcher: { exact: 'x' } }] }), /san_type/);
  });
});
