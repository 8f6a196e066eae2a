import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryPolicy } from './retry-policy.js';

const PREVIOUS_HOSTS = 'envoy.retry_host_predicates.previous_hosts';
const predicateNames = (p: Record<string, unknown> | undefined): string[] =>
  ((p?.retry_host_predicate as Array<{ name: string }> | undefined) ?? []).map((x) => x.name);

describe('retry policy (Istio → Envoy)', () => {
  it("unset: Istio's default, avoiding hosts already tried with up to 5 draws", () => {
    const p = retryPolicy(undefined);
    assert.equal(p?.retry_on, 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes');
    assert.deepEqual(p?.num_retries, { value: 2 });
    assert.deepEqual(predicateNames(p), [PREVIOUS_HOSTS]);
    assert.equal(p?.host_selection_retry_max_attempts, 5);
    assert.equal(p?.retry_priority, undefined);
  });

  it('attempts 0 switches retries off', () => {
    assert.equal(retryPolicy({ attempts: 0 }), undefined);
  });

  it('numeric retryOn entries become retriable_status_codes', () => {
    const p = retryPolicy({ attempts: 3, retryOn: 'gateway-error, 503 ,409', perTryTimeout: '2s', backoff: '0.1s' });
    assert.equal(p?.retry_on, 'gateway-error,retriable-status-codes');
    assert.deepEqual(p?.retriable_status_codes, [503, 409]);
    assert.deepEqual(p?.num_retries, { value: 3 });
    assert.deepEqual(p?.per_try_timeout, { seconds: 2, nanos: 0 });
    assert.deepEqual(p?.retry_back_off, { base_interval: { seconds: 0, nanos: 100_000_000 } });
  });

  it('a consistent-hash route keeps retrying its own host unless the user says otherwise', () => {
    assert.deepEqual(predicateNames(retryPolicy(undefined, true)), []);
    assert.deepEqual(predicateNames(retryPolicy({ attempts: 2 }, true)), []);
    assert.deepEqual(predicateNames(retryPolicy({ attempts: 2, retryIgnorePreviousHosts: true }, true)), [PREVIOUS_HOSTS]);
    assert.deepEqual(predicateNames(retryPolicy({ attempts: 2, retryIgnorePreviousHosts: false })), []);
  });

  it('retryRemoteLocalities moves retries to other priorities every 2 attempts', () => {
    const p = retryPolicy({ attempts: 4, retryRemoteLocalities: true });
    assert.equal((p?.retry_priority as { name: string }).name, 'envoy.retry_priorities.previous_priorities');
  });
});
