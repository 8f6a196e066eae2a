import type { HTTPRetry } from '../../api/kinds/virtual-service/types.js';
import { parseDuration } from '../duration.js';
import { anyField, type ProtoObject } from '../protos.js';

/** Istio's `retryOn` when a VirtualService sets none (and for routes without retries at all). */
const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
const DEFAULT_ATTEMPTS = 2;
/** Istio lets the load balancer draw up to 5 times to find a host not tried before. */
const HOST_SELECTION_ATTEMPTS = 5;

// Packed on first use: packing needs the proto root, which not every importer loads.
let previousHosts: ProtoObject | undefined;
let previousPriorities: ProtoObject | undefined;
const PREVIOUS_HOSTS = (): ProtoObject =>
  (previousHosts ??= { name: 'envoy.retry_host_predicates.previous_hosts', typed_config: anyField('envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate', {}) });
const PREVIOUS_PRIORITIES = (): ProtoObject =>
  (previousPriorities ??= { name: 'envoy.retry_priorities.previous_priorities', typed_config: anyField('envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig', { update_frequency: 2 }) });

/** `503,gateway-error` → policies and status codes; a code alone switches on retriable-status-codes. */
function splitRetryOn(retryOn: string): { on: string; codes: number[] } {
  const parts = retryOn.split(',').map((s) => s.trim()).filter(Boolean);
  const codes = parts.filter((p) => /^\d{3}$/.test(p)).map(Number);
  const policies = parts.filter((p) => !/^\d{3}$/.test(p));
  if (codes.length > 0 && !policies.includes('retriable-status-codes')) policies.push('retriable-status-codes');
  return { on: policies.join(','), codes };
}

/**
 * Envoy RetryPolicy for an Istio `retries` block, as Istio converts it: Istio's default policy
 * when unset, none when `attempts` is 0. Retries prefer hosts not tried yet (previous_hosts,
 * up to 5 draws) unless the route hashes to a fixed host (`consistentHash`) or the user set
 * `retryIgnorePreviousHosts: false`; `retryRemoteLocalities` moves retries across priorities.
 */
export function retryPolicy(retries: HTTPRetry | undefined, consistentHash = false): ProtoObject | undefined {
  if (retries && (!retries.attempts || retries.attempts <= 0)) return undefined;
  const out: ProtoObject = { retry_on: DEFAULT_RETRY_ON, num_retries: { value: retries?.attempts ?? DEFAULT_ATTEMPTS } };
  if (retries?.retryOn) {
    const { on, codes } = splitRetryOn(retries.retryOn);
    out.retry_on = on;
    if (codes.length > 0) out.retriable_status_codes = codes;
  }
  const perTry = parseDuration(retries?.perTryTimeout);
  if (perTry) out.per_try_timeout = perTry;
  const avoidPrevious = retries?.retryIgnorePreviousHosts ?? !consistentHash;
  if (avoidPrevious) out.retry_host_predicate = [PREVIOUS_HOSTS()];
  out.host_selection_retry_max_attempts = HOST_SELECTION_ATTEMPTS;
  if (retries?.retryRemoteLocalities) out.retry_priority = PREVIOUS_PRIORITIES();
  const backoff = parseDuration(retries?.backoff);
  if (backoff) out.retry_back_off = { base_interval: backoff };
  return out;
}
