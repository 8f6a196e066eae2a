import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findHttpFilter, findPerRouteFilter, HTTP_FILTERS, parsePerRouteFilterConfig } from './registry.js';

describe('HTTP filter registry', () => {
  it('every filter that parses per-route config names the types it takes, and no type has two owners', () => {
    const owners = new Map<string, string>();
    for (const def of HTTP_FILTERS) {
      const declares = (def.perRouteTypeUrls ?? []).length > 0;
      assert.equal(declares, def.parsePerRouteConfig !== undefined, `${def.wellKnownName}: perRouteTypeUrls and parsePerRouteConfig go together`);
      for (const t of def.perRouteTypeUrls ?? []) {
        assert.equal(owners.get(t), undefined, `${t} is claimed by ${owners.get(t)} and ${def.wellKnownName}`);
        owners.set(t, def.wellKnownName);
        assert.equal(findPerRouteFilter(t), def);
      }
      for (const t of def.typeUrls) assert.equal(findHttpFilter(t), def, `${t} resolves to ${def.wellKnownName}`);
    }
  });

  it('parses a per-route config by its type, and knows nothing of types no filter takes', () => {
    const rbac = parsePerRouteFilterConfig('type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute', { rbac: { rules: { action: 'BOGUS' } } });
    assert.deepEqual(rbac, { ok: false, errors: ['rbac.rules.action: unknown action "BOGUS"'] });
    assert.equal(parsePerRouteFilterConfig('type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', {}), undefined);
  });
});
