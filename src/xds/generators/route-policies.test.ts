import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyRewrite, corsPolicy, hashPolicy, headerOperations, queryParameters, redirectAction } from './route-policies.js';
import { hostsIntersect } from './sidecar-scope.js';
import { qualifyGateway, selectorMatches } from './sidecar-mesh-index.js';
import { intersectHost } from './gateway-select.js';

describe('route policies', () => {
  it('hash policy keys', () => {
    assert.deepEqual(hashPolicy({ useSourceIp: true }), [{ connection_properties: { source_ip: true } }]);
    assert.deepEqual(hashPolicy({ httpQueryParameterName: 'u' }), [{ query_parameter: { name: 'u' } }]);
    assert.deepEqual(hashPolicy({ httpHeaderName: 'X-User' }), [{ header: { header_name: 'x-user' } }]);
    assert.equal(hashPolicy(undefined), undefined);
  });

  it('rewrite, redirect, headers, query params, CORS', () => {
    const a: Record<string, unknown> = {};
    applyRewrite(a, { uri: '/v2', authority: 'h' });
    assert.deepEqual(a, { prefix_rewrite: '/v2', host_rewrite_literal: 'h' });
    assert.deepEqual(redirectAction({ uri: '/x', redirectCode: 302, port: 8443, scheme: 'https' }), { response_code: 'FOUND', path_redirect: '/x', port_redirect: 8443, scheme_redirect: 'https' });
    assert.deepEqual(headerOperations({ response: { add: { a: 'b' } } }), { response_headers_to_add: [{ header: { key: 'a', value: 'b' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' }] });
    assert.deepEqual(queryParameters({ queryParams: { q: { regex: 'a+' } } }), [{ name: 'q', string_match: { safe_regex: { regex: 'a+' } } }]);
    const cors = corsPolicy({ allowOrigin: ['*'], unmatchedPreflights: 'IGNORE' })!;
    assert.deepEqual(cors.allow_origin_string_match, [{ prefix: '' }]);
    assert.deepEqual(cors.forward_not_matching_preflights, { value: false });
  });
});

describe('host and selector helpers', () => {
  it('host patterns intersect both ways', () => {
    assert.ok(hostsIntersect('*', 'a.b'));
    assert.ok(hostsIntersect('a.example.com', '*.example.com'));
    assert.ok(!hostsIntersect('a.example.com', 'b.example.com'));
    assert.equal(intersectHost('*.example.com', 'a.example.com'), 'a.example.com');
    assert.equal(intersectHost('a.example.com', '*'), 'a.example.com');
    assert.equal(intersectHost('a.example.org', '*.example.com'), undefined);
  });

  it('gateway references resolve in the VirtualService namespace', () => {
    assert.equal(qualifyGateway('gw', 'ns'), 'ns/gw');
    assert.equal(qualifyGateway('other/gw', 'ns'), 'other/gw');
    assert.equal(qualifyGateway('mesh', 'ns'), 'mesh');
    assert.equal(qualifyGateway('gw.other.svc.cluster.local', 'ns'), 'other/gw');
  });

  it('label selectors: matchLabels and matchExpressions', () => {
    const labels = { env: 'prod', team: 'a' };
    assert.ok(selectorMatches({ matchLabels: { env: 'prod' } }, labels));
    assert.ok(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist' }] }, labels));
    assert.ok(!selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels));
  });
});
