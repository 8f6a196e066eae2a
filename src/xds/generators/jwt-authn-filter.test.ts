import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '../../api/resource.js';
import { UNVERIFIABLE_JWKS } from '../jwks/fake-jwks.js';
import type { JwksLookup, JwksSource } from '../jwks/jwks-resolver.js';
import { jwksSources } from '../jwks/jwks-sources.js';
import { messageType, type ProtoObject } from '../protos.js';
import { buildPushContext } from '../push-context.js';
import { parseNode } from '../proxy.js';
import { jsonToStruct } from '../struct.js';
import { jwtAuthnFilter } from './jwt-authn-filter.js';

const JWKS = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'k1', e: 'AQAB', n: 'abc' }] });

function ra(name: string, namespace: string, spec: Record<string, unknown>, created = '2026-01-01T00:00:00Z'): Resource {
  return { apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name, namespace, creationTimestamp: created }, spec } as Resource;
}

function proxy(namespace: string, labels: Record<string, string>, type = 'sidecar'): ReturnType<typeof parseNode> {
  return parseNode({ id: `${type}~198.18.0.9~w.${namespace}~${namespace}.svc.cluster.local`, metadata: jsonToStruct({ NAMESPACE: namespace, LABELS: labels }) });
}

/** The decoded JwtAuthentication of the filter, or undefined when none is emitted. */
function config(resources: Resource[], p = proxy('shop', { app: 'web' }), jwks?: JwksLookup): ProtoObject | undefined {
  const push = buildPushContext({ resources, rootNamespace: 'istio-system', ...(jwks ? { jwks } : {}) });
  const filter = jwtAuthnFilter(push, p);
  if (!filter) return undefined;
  assert.equal(filter.name, 'envoy.filters.http.jwt_authn');
  const typed = filter.typed_config as { type_url: string; value: Uint8Array };
  assert.equal(typed.type_url, 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication');
  // Decoded without defaults: exactly the fields on the wire, as Envoy's JSON dump shows them.
  const type = messageType('envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication');
  return type.toObject(type.decode(typed.value), { longs: String, enums: String }) as ProtoObject;
}

function providers(c: ProtoObject | undefined): Record<string, ProtoObject> {
  return (c?.providers ?? {}) as Record<string, ProtoObject>;
}

describe('jwt_authn generation (istiod shape)', () => {
  it('emits nothing when no RequestAuthentication applies', () => {
    assert.equal(config([]), undefined);
    assert.equal(config([ra('other', 'elsewhere', { jwtRules: [{ issuer: 'a', jwks: JWKS }] })]), undefined);
    assert.equal(config([ra('sel', 'shop', { selector: { matchLabels: { app: 'api' } }, jwtRules: [{ issuer: 'a', jwks: JWKS }] })]), undefined);
  });

  it('one rule: provider origins-0 with every field, and provider OR allow_missing', () => {
    const c = config([ra('jwt', 'shop', {
      selector: { matchLabels: { app: 'web' } },
      jwtRules: [{
        issuer: 'https://issuer.example',
        audiences: ['web', 'api'],
        jwks: JWKS,
        fromHeaders: [{ name: 'x-jwt', prefix: 'Bearer ' }, { name: 'x-raw' }],
        fromParams: ['token'],
        fromCookies: ['session'],
        forwardOriginalToken: true,
        outputPayloadToHeader: 'x-jwt-payload',
        outputClaimToHeaders: [{ header: 'x-sub', claim: 'sub' }],
        spaceDelimitedClaims: ['roles', 'scope'],
      }],
    })]);
    assert.deepEqual(Object.keys(providers(c)), ['origins-0']);
    const p = providers(c)['origins-0']!;
    assert.equal(p.issuer, 'https://issuer.example');
    assert.deepEqual(p.audiences, ['web', 'api']);
    assert.deepEqual(p.local_jwks, { inline_string: JWKS });
    assert.deepEqual(p.from_headers, [{ name: 'x-jwt', value_prefix: 'Bearer ' }, { name: 'x-raw', value_prefix: '' }]);
    assert.deepEqual(p.from_params, ['token']);
    assert.deepEqual(p.from_cookies, ['session']);
    assert.equal(p.forward, true);
    assert.equal(p.forward_payload_header, 'x-jwt-payload');
    assert.deepEqual(p.claim_to_headers, [{ header_name: 'x-sub', claim_name: 'sub' }]);
    assert.equal(p.payload_in_metadata, 'payload');
    assert.deepEqual(p.normalize_payload_in_metadata, { space_delimited_claims: ['permission', 'roles', 'scope'] });
    assert.equal(c?.bypass_cors_preflight, true);
    assert.deepEqual(c?.rules, [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'origins-0' }, { allow_missing: {} }] } } }]);
  });

  it('defaults: no locations (Envoy then reads Authorization: Bearer and access_token), not forwarded, scope and permission space-delimited', () => {
    const p = providers(config([ra('jwt', 'shop', { jwtRules: [{ issuer: 'a', jwks: JWKS }] })]))['origins-0']!;
    assert.equal(p.from_headers, undefined);
    assert.equal(p.from_params, undefined);
    assert.equal(p.forward, undefined);
    assert.equal(p.audiences, undefined);
    assert.deepEqual(p.normalize_payload_in_metadata, { space_delimited_claims: ['permission', 'scope'] });
  });

  it('several rules from namespace and root policies: sorted by issuer, providers OR the AND of provider|allow_missing', () => {
    const c = config([
      ra('mesh', 'istio-system', { jwtRules: [{ issuer: 'z-mesh', jwks: JWKS }] }),
      ra('ns', 'shop', { jwtRules: [{ issuer: 'b-ns', jwks: JWKS }, { issuer: 'a-ns', jwks: JWKS }] }),
    ]);
    assert.deepEqual(Object.entries(providers(c)).map(([n, p]) => `${n}=${String(p.issuer)}`).sort(), ['origins-0=a-ns', 'origins-1=b-ns', 'origins-2=z-mesh']);
    const inner = (n: string): ProtoObject => ({ requires_any: { requirements: [{ provider_name: n }, { allow_missing: {} }] } });
    assert.deepEqual((c?.rules as ProtoObject[])[0]!.requires, {
      requires_any: {
        requirements: [
          { provider_name: 'origins-0' }, { provider_name: 'origins-1' }, { provider_name: 'origins-2' },
          { requires_all: { requirements: [inner('origins-0'), inner('origins-1'), inner('origins-2')] } },
        ],
      },
    });
  });

  it('a gateway gets policies by its labels, and by a Gateway API targetRef', () => {
    const gw = proxy('istio-system', { istio: 'ingressgateway', 'gateway.networking.k8s.io/gateway-name': 'public' }, 'router');
    assert.ok(config([ra('gw', 'istio-system', { selector: { matchLabels: { istio: 'ingressgateway' } }, jwtRules: [{ issuer: 'a', jwks: JWKS }] })], gw));
    assert.ok(config([ra('gw', 'istio-system', { targetRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public' }, jwtRules: [{ issuer: 'a', jwks: JWKS }] })], gw));
    assert.equal(config([ra('gw', 'istio-system', { targetRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'private' }, jwtRules: [{ issuer: 'a', jwks: JWKS }] })], gw), undefined);
    // A Service target is for waypoints: a sidecar of that namespace does not take it.
    assert.equal(config([ra('svc', 'shop', { targetRef: { kind: 'Service', name: 'web' }, jwtRules: [{ issuer: 'a', jwks: JWKS }] })]), undefined);
  });

  it('inlines the fetched key set for a jwksUri, and the unverifiable set when there is none', () => {
    const asked: JwksSource[] = [];
    const lookup: JwksLookup = { lookup: (s) => (asked.push(s), s.jwksUri === 'https://keys.example/ok' ? JWKS : undefined) };
    const resources = [ra('jwt', 'shop', { jwtRules: [
      { issuer: 'a', jwksUri: 'https://keys.example/ok', timeout: '2s' },
      { issuer: 'b', jwksUri: 'https://keys.example/down' },
      { issuer: 'https://c.example' },
    ] })];
    const p = providers(config(resources, undefined, lookup));
    assert.deepEqual(p['origins-0']!.local_jwks, { inline_string: JWKS });
    assert.deepEqual(p['origins-1']!.local_jwks, { inline_string: UNVERIFIABLE_JWKS });
    assert.deepEqual(p['origins-2']!.local_jwks, { inline_string: UNVERIFIABLE_JWKS });
    assert.deepEqual(asked, [
      { issuer: 'a', jwksUri: 'https://keys.example/ok', timeoutMs: 2000 },
      { issuer: 'b', jwksUri: 'https://keys.example/down', timeoutMs: 5000 },
      { issuer: 'https://c.example', jwksUri: '', timeoutMs: 5000 },
    ]);
    // Offline (no cache): the unverifiable set, never a crash.
    assert.deepEqual(providers(config(resources))['origins-0']!.local_jwks, { inline_string: UNVERIFIABLE_JWKS });
    assert.deepEqual(jwksSources(resources), asked);
  });
});
