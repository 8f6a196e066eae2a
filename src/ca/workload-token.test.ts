import assert from 'node:assert/strict';
import { it } from 'node:test';
import { WorkloadTokenAuthority } from './workload-token.js';

const tokens = WorkloadTokenAuthority.ephemeral('cluster.local');

it('round-trips a token to its identity', () => {
  const t = tokens.mint({ namespace: 'bookinfo', serviceAccount: 'reviews', ttl: 60 });
  assert.deepEqual(tokens.verify(t), { trustDomain: 'cluster.local', namespace: 'bookinfo', serviceAccount: 'reviews' });
  const claims = JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
  assert.equal(claims.sub, 'spiffe://cluster.local/ns/bookinfo/sa/reviews');
  assert.equal((claims.exp as number) - (claims.iat as number), 60);
});

it('names the reason of every refusal', () => {
  const t = tokens.mint({ namespace: 'a', serviceAccount: 'b', ttl: 60 });
  const reason = (token: string, now?: number): string | undefined => {
    try {
      tokens.verify(token, now);
      return undefined;
    } catch (err) {
      return (err as { reason?: string }).reason;
    }
  };
  assert.equal(reason('abc'), 'malformed-token');
  assert.equal(reason(`${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`), 'malformed-token');
  assert.equal(reason(`${t.slice(0, -2)}AA`), 'bad-signature');
  assert.equal(reason(t, Date.now() + 61_000), 'expired');
  assert.equal(reason(WorkloadTokenAuthority.ephemeral('cluster.local').mint({ namespace: 'a', serviceAccount: 'b' })), 'foreign-issuer');
  assert.throws(() => tokens.mint({ namespace: 'Not_A_Label', serviceAccount: 'b' }), { reason: 'malformed-token' });
});

it('binds a token to the WorkloadEntry it was minted for, and leaves unbound tokens unbound', () => {
  const bound = tokens.mint({ namespace: 'shop', serviceAccount: 'cart', ttl: 60, workload: { name: 'cart-1', uid: 'u-1' } });
  assert.deepEqual(tokens.verifyToken(bound).workload, { namespace: 'shop', name: 'cart-1', uid: 'u-1' });
  assert.deepEqual(tokens.verify(bound), { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'cart' });
  assert.equal(tokens.verifyToken(tokens.mint({ namespace: 'shop', serviceAccount: 'cart' })).workload, undefined);
});
