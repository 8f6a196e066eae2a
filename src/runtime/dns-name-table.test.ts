import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DnsNameTable } from './dns-name-table.js';

const search = ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];

it('answers the names Istio\'s DNS proxy answers, with search expansions as CNAMEs', () => {
  const table = new DnsNameTable({ proxyNamespace: 'default', searchDomains: search });
  table.update([
    { hostname: 'reviews.default.svc.cluster.local', addresses: ['198.19.0.5'] },
    { hostname: 'ratings.shop.svc.cluster.local', addresses: ['198.19.0.6', 'fd00::6'] },
    { hostname: 'api.example.com', addresses: ['198.19.0.9'] },
    { hostname: '*.wild.example.com', addresses: ['198.19.0.10'] },
  ]);
  for (const name of ['reviews', 'reviews.default', 'reviews.default.svc', 'reviews.default.svc.cluster.local', 'REVIEWS.default.svc.cluster.local.']) {
    assert.deepEqual(table.lookup(name)?.ipv4, ['198.19.0.5'], name);
    assert.equal(table.lookup(name)?.cname, undefined, name);
  }
  // Short names only for the proxy's own namespace.
  assert.equal(table.lookup('ratings'), undefined);
  assert.deepEqual(table.lookup('ratings.shop')?.ipv6, ['fd00::6']);
  assert.deepEqual(table.lookup('api.example.com')?.ipv4, ['198.19.0.9']);
  assert.equal(table.lookup('x.wild.example.com'), undefined, 'wildcards are not answered');
  // A stub resolver's first search attempts are answered with a CNAME to the real name.
  const expanded = table.lookup('ratings.shop.default.svc.cluster.local');
  assert.equal(expanded?.cname, 'ratings.shop');
  assert.deepEqual(expanded?.ipv4, ['198.19.0.6']);
  assert.equal(table.lookup('api.example.com.svc.cluster.local')?.cname, 'api.example.com');
  assert.equal(table.lookup('outside.test'), undefined);
  // update replaces the whole table.
  table.update([]);
  assert.equal(table.lookup('reviews'), undefined);
  assert.equal(table.size, 0);
});
