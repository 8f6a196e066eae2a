import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SanMatch } from '../config/model.js';
import { subjectAltNameEntries } from './peer-identity.js';
import { sanMatcherFor } from './san-validation.js';

// Certificates' SANs as Node prints them (`subjectaltname`).
const WORKLOAD = 'URI:spiffe://cluster.local/ns/web/sa/frontend, DNS:frontend.web.svc';
const FOREIGN = 'URI:spiffe://evil.example/ns/web/sa/frontend, DNS:cluster.local';
const WILDCARD = 'DNS:*.shop.example, email:ops@shop.example, IP Address:198.18.0.7';

const trustDomains: SanMatch[] = [{ kind: 'prefix', value: 'spiffe://cluster.local/' }, { kind: 'prefix', value: 'spiffe://old.example/' }];
const typedUri: SanMatch[] = [{ kind: 'prefix', value: 'cluster.local', sanType: 'URI' }];
const typedDns: SanMatch[] = [{ kind: 'exact', value: 'cart.shop.example', sanType: 'DNS' }];

const CASES: ReadonlyArray<readonly [string, readonly SanMatch[], string, boolean]> = [
  ['trust domain prefix, mesh workload', trustDomains, WORKLOAD, true],
  ['trust domain prefix, other trust domain', trustDomains, FOREIGN, false],
  ['alias trust domain', trustDomains, 'URI:spiffe://old.example/ns/a/sa/b', true],
  ['prefix must include the slash: a look-alike domain', trustDomains, 'URI:spiffe://cluster.local.evil/ns/a/sa/b', false],
  ['typed URI ignores a DNS SAN with the same text', typedUri, FOREIGN, false],
  ['untyped matcher looks at DNS SANs too', [{ kind: 'prefix', value: 'cluster.local' }], FOREIGN, true],
  ['typed DNS exact: wildcard certificate covers one label', typedDns, WILDCARD, true],
  ['typed DNS exact: wildcard does not cover two labels', [{ kind: 'exact', value: 'a.b.shop.example', sanType: 'DNS' }], WILDCARD, false],
  ['typed EMAIL', [{ kind: 'suffix', value: '@shop.example', sanType: 'EMAIL' }], WILDCARD, true],
  ['typed IP_ADDRESS', [{ kind: 'exact', value: '198.18.0.7', sanType: 'IP_ADDRESS' }], WILDCARD, true],
  ['typed IP_ADDRESS does not match a URI', [{ kind: 'exact', value: '198.18.0.7', sanType: 'IP_ADDRESS' }], 'URI:198.18.0.7', false],
  ['regex over the whole value', [{ kind: 'regex', value: 'spiffe://cluster\\.local/ns/[a-z]+/sa/frontend', sanType: 'URI' }], WORKLOAD, true],
  ['regex must match the whole value', [{ kind: 'regex', value: 'spiffe://cluster\\.local/ns/web', sanType: 'URI' }], WORKLOAD, false],
  ['ignore_case', [{ kind: 'exact', value: 'FRONTEND.WEB.SVC', ignoreCase: true, sanType: 'DNS' }], WORKLOAD, true],
  ['a certificate without SANs', trustDomains, '', false],
];

describe('SAN validation of a presented certificate', () => {
  it(`${CASES.length} matcher × certificate cases`, () => {
    let checked = 0;
    for (const [name, matchers, san, want] of CASES) {
      assert.equal(sanMatcherFor(matchers)(subjectAltNameEntries(san)), want, name);
      checked++;
    }
    assert.equal(checked, CASES.length);
  });

  it('compiled once per matcher list', () => {
    assert.equal(sanMatcherFor(trustDomains), sanMatcherFor(trustDomains));
  });
});
