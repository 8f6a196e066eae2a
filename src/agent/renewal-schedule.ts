/** When to renew: a fraction of the lifetime, with a symmetric random jitter. */
export interface RenewalPolicy {
  /** Fraction of the lifetime after which to renew (Istio: 0.5). */
  fraction: number;
  /** Relative jitter, e.g. 0.01 for ±1% of the delay, so that a fleet does not renew in lockstep. */
  jitter: number;
}

/**
 * Milliseconds from `now` until renewal. The lifetime is counted from when the agent got the
 * certificate (or its notBefore, if later) rather than from notBefore alone: the CA backdates
 * notBefore for clock skew, which would otherwise pull renewal earlier than half-life.
 */
export function renewalDelayMs(notBefore: Date, notAfter: Date, now: number, policy: RenewalPolicy, random: () => number = Math.random): number {
  const start = Math.max(notBefore.getTime(), now);
  const lifetime = Math.max(0, notAfter.getTime() - start);
  const base = lifetime * policy.fraction;
  const jittered = base * (1 + policy.jitter * (2 * random() - 1));
  return Math.max(0, Math.round(start + jittered - now));
}
