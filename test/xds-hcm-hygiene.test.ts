// The request-hygiene fields istiod writes into HCMs and the inbound validation context, as the
// controller generates them: pathNormalization per mode on sidecar inbound/outbound and
// gateways, XFCC per listener class (gatewayTopology honoured), trust domains and aliases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProtoObject } from '../src/xds/protos.js';
import { any, bookinfoPush, generate, ingressProxy, productpageProxy } from './xds-sidecar-fixture.js';

type O = ProtoObject;

function hcmOf(chain: O): O {
  const f = (chain.filters as O[]).find((x) => x.name === 'envoy.filters.network.http_connection_manager');
  assert.ok(f, 'an HCM in the chain');
  return any(f.typed_config);
}

/** The HCMs a proxy gets: sidecar inbound (port 9080), sidecar outbound (0.0.0.0_9080), gateway (8080). */
function hcms(meshYaml = ''): { inbound: O; outbound: O; gateway: O; inboundTls: O } {
  const push = bookinfoPush(meshYaml);
  const sidecar = generate(push, productpageProxy(), 'listener');
  const inboundChains = (sidecar.get('virtualInbound')!.filter_chains as O[]).filter((c) => ((c.filter_chain_match as O | undefined)?.destination_port as O | undefined)?.value === 9080);
  const tlsChain = inboundChains.find((c) => c.transport_socket !== undefined && (c.filters as O[])[0]!.name === 'envoy.filters.network.http_connection_manager');
  assert.ok(tlsChain, 'an mTLS HTTP chain for 9080');
  const gw = generate(push, ingressProxy(), 'listener');
  return {
    inbound: hcmOf(tlsChain),
    inboundTls: any((tlsChain.transport_socket as O).typed_config),
    outbound: hcmOf((sidecar.get('0.0.0.0_9080')!.filter_chains as O[])[0]!),
    gateway: hcmOf((gw.get('0.0.0.0_8080')!.filter_chains as O[])[0]!),
  };
}

const pathFields = (h: O): O => ({ normalize_path: h.normalize_path, merge_slashes: h.merge_slashes ?? false, path_with_escaped_slashes_action: h.path_with_escaped_slashes_action ?? 'IMPLEMENTATION_SPECIFIC_DEFAULT' });

describe('pathNormalization from meshConfig (istiod: every HCM)', () => {
  const CASES: ReadonlyArray<readonly [string, O]> = [
    ['', { normalize_path: { value: true }, merge_slashes: false, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' }],
    ['pathNormalization: {normalization: DEFAULT}', { normalize_path: { value: true }, merge_slashes: false, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' }],
    ['pathNormalization: {normalization: BASE}', { normalize_path: { value: true }, merge_slashes: false, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' }],
    ['pathNormalization: {normalization: NONE}', { normalize_path: { value: false }, merge_slashes: false, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' }],
    ['pathNormalization: {normalization: MERGE_SLASHES}', { normalize_path: { value: true }, merge_slashes: true, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' }],
    ['pathNormalization: {normalization: DECODE_AND_MERGE_SLASHES}', { normalize_path: { value: true }, merge_slashes: true, path_with_escaped_slashes_action: 'UNESCAPE_AND_FORWARD' }],
  ];
  for (const [yaml, want] of CASES) {
    it(yaml || '(unset)', () => {
      const h = hcms(yaml);
      for (const [where, hcm] of Object.entries({ inbound: h.inbound, outbound: h.outbound, gateway: h.gateway })) assert.deepEqual(pathFields(hcm), want, where);
    });
  }
});

describe('x-forwarded-client-cert per listener class', () => {
  it('sidecar inbound: APPEND_FORWARD with Subject, URI, DNS; sidecar outbound: none (Envoy SANITIZE)', () => {
    const h = hcms();
    assert.equal(h.inbound.forward_client_cert_details, 'APPEND_FORWARD');
    assert.deepEqual(h.inbound.set_current_client_cert_details, { subject: { value: true }, cert: false, chain: false, uri: true, dns: true });
    assert.equal(h.outbound.forward_client_cert_details ?? 'SANITIZE', 'SANITIZE');
    assert.equal(h.outbound.set_current_client_cert_details ?? undefined, undefined);
  });

  it('gateways: SANITIZE_SET with Subject, Cert, URI, DNS and no trusted hops by default', () => {
    const { gateway } = hcms();
    assert.equal(gateway.forward_client_cert_details, 'SANITIZE_SET');
    assert.deepEqual(gateway.set_current_client_cert_details, { subject: { value: true }, cert: true, chain: false, uri: true, dns: true });
    assert.equal(gateway.xff_num_trusted_hops ?? 0, 0);
  });

  it('gateways honour defaultConfig.gatewayTopology (forwardClientCertDetails, numTrustedProxies); sidecars do not', () => {
    const h = hcms('defaultConfig: {gatewayTopology: {numTrustedProxies: 2, forwardClientCertDetails: APPEND_FORWARD}}');
    assert.equal(h.gateway.forward_client_cert_details, 'APPEND_FORWARD');
    assert.equal(h.gateway.xff_num_trusted_hops, 2);
    assert.equal(h.inbound.forward_client_cert_details, 'APPEND_FORWARD');
    assert.equal(h.outbound.xff_num_trusted_hops ?? 0, 0);
  });
});

describe('inbound mTLS validation context (istiod: TrustDomainsForValidation)', () => {
  function sans(meshYaml: string): unknown {
    const ctx = hcms(meshYaml).inboundTls;
    const combined = (ctx.common_tls_context as O).combined_validation_context as O;
    assert.equal((combined.validation_context_sds_secret_config as O).name, 'ROOTCA');
    assert.deepEqual(ctx.require_client_certificate, { value: true });
    return ((combined.default_validation_context as O).match_subject_alt_names as O[]).map((m) => ({ prefix: m.prefix }));
  }

  it('the mesh trust domain only, by default', () => {
    assert.deepEqual(sans(''), [{ prefix: 'spiffe://cluster.local/' }]);
  });

  it('trustDomain and trustDomainAliases, in order, repeats and blanks dropped', () => {
    assert.deepEqual(sans('trustDomain: prod.example\ntrustDomainAliases: [old.example, prod.example, cluster.local]'), [
      { prefix: 'spiffe://prod.example/' },
      { prefix: 'spiffe://old.example/' },
      { prefix: 'spiffe://cluster.local/' },
    ]);
  });
});
