import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseSpiffeUri, spiffeUri, spiffeUrisFromSubjectAltName } from './spiffe-id.js';

it('builds and parses Istio SPIFFE identities', () => {
  const id = { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'sleep' };
  assert.equal(spiffeUri(id), 'spiffe://cluster.local/ns/default/sa/sleep');
  assert.deepEqual(parseSpiffeUri(spiffeUri(id)), id);
  assert.equal(parseSpiffeUri('spiffe://cluster.local/ns/default'), undefined);
  assert.equal(parseSpiffeUri('spiffe://cluster.local/ns/UPPER/sa/x'), undefined);
  assert.deepEqual(spiffeUrisFromSubjectAltName('DNS:localhost, URI:spiffe://td/ns/a/sa/b, IP Address:127.0.0.1'), ['spiffe://td/ns/a/sa/b']);
});
