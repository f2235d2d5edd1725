/**
 * Reconnect policy: exponential backoff with "full jitter" (AWS Architecture Blog,
 * "Exponential Backoff And Jitter", 2015). The delay before attempt n (0-based) is uniform in
 * [0, min(maxMs, initialMs · 2ⁿ)]. Jitter over the whole range is what keeps 10,000 agents
 * from reconnecting in lock-step after a core restart; MQTT.js's default fixed 1 s retry
 * would turn that restart into a reconnect storm.
 *
 * During the first `earlyWindowMs` of an outage the bound stops at `earlyMaxMs` (5 s by
 * default): a restart of the core takes a few seconds, and an agent whose bound had already
 * doubled to 16 or 32 s would come back long after the broker did (docs/broker.md,
 * "Reconnect storms"). The load this puts on a broker that stays down is bounded: one attempt
 * per agent every `earlyMaxMs / 2` on average, and a refused TCP connection costs it nothing.
 */
export interface BackoffPolicy {
  /** Upper bound of the first delay, ms. */
  initialMs: number;
  /** The bound stops doubling here, ms. */
  maxMs: number;
  /** The bound while the outage is younger than `earlyWindowMs`, ms; absent: no early cap. */
  earlyMaxMs?: number;
  /** How long the early cap applies, ms from the first attempt after a reset. */
  earlyWindowMs?: number;
}

/**
 * Upper bound of the delay before attempt `attempt` (0-based), ms, `outageMs` into the
 * outage (omitted: past the early window).
 */
export function backoffCeiling(attempt: number, policy: BackoffPolicy, outageMs = Infinity): number {
  // 2 ** attempt overflows to Infinity long after the cap applies; min() keeps it finite.
  const doubled = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt));
  const early = policy.earlyMaxMs !== undefined && outageMs < (policy.earlyWindowMs ?? 0);
  return early ? Math.min(doubled, policy.earlyMaxMs as number) : doubled;
}

/**
 * The delay before attempt `attempt` (0-based), ms. Pure: `random` returns a number in
 * [0, 1) (Math.random in production, a fixed sequence in tests).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number, outageMs = Infinity): number {
  return Math.floor(random() * backoffCeiling(attempt, policy, outageMs));
}

/** Counts attempts; `reset()` after a connection that proved stable. */
export interface Backoff {
  /** Delay for the next attempt, and the attempt number it belongs to (1-based, for logs). */
  next(): { delayMs: number; attempt: number };
  reset(): void;
  readonly attempts: number;
}

/**
 * A stateful wrapper around {@link backoffDelay}. The outage starts with the first `next()`
 * after a reset, so a connection that keeps dropping before it proved stable does not get
 * the early cap again.
 */
export function createBackoff(policy: BackoffPolicy, random: () => number = Math.random, now: () => number = Date.now): Backoff {
  let attempts = 0;
  let outageStart = 0;
  return {
    next() {
      if (attempts === 0) outageStart = now();
      const delayMs = backoffDelay(attempts, policy, random, now() - outageStart);
      attempts += 1;
      return { delayMs, attempt: attempts };
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}
