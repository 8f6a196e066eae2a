import assert from 'node:assert/strict';
import { it } from 'node:test';
import { renewalDelayMs } from './renewal-schedule.js';

it('renews at half-life with at most ±1% jitter, counted from receipt when notBefore is backdated', () => {
  const now = 1_000_000;
  const policy = { fraction: 0.5, jitter: 0.01 };
  const at = (r: number): number => renewalDelayMs(new Date(now - 60_000), new Date(now + 86_400_000), now, policy, () => r);
  assert.equal(at(0.5), 43_200_000);
  assert.equal(at(0), 43_200_000 * 0.99);
  assert.equal(at(1), 43_200_000 * 1.01);
  assert.equal(renewalDelayMs(new Date(now - 10), new Date(now - 5), now, policy), 0, 'expired: renew now');
});
