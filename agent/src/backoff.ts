/**
 * Reconnect policy: exponential backoff with "full jitter" (AWS Architecture Blog,
 * "Exponential Backoff And Jitter", 2015). The delay before attempt n (0-based) is uniform in
 * [0, min(maxMs, initialMs · 2ⁿ)]. Jitter over the whole range is what keeps 10,000 agents
 * from reconnecting in lock-step after a core restart; MQTT.js's default fixed 1 s retry
 * would turn that restart into a reconnect storm.
 */
export interface BackoffPolicy {
  /** Upper bound of the first delay, ms. */
  initialMs: number;
  /** The bound stops doubling here, ms. */
  maxMs: number;
}

/** Upper bound of the delay before attempt `attempt` (0-based), ms. */
export function backoffCeiling(attempt: number, policy: BackoffPolicy): number {
  // 2 ** attempt overflows to Infinity long after the cap applies; min() keeps it finite.
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt));
}

/**
 * The delay before attempt `attempt` (0-based), ms. Pure: `random` returns a number in
 * [0, 1) (Math.random in production, a fixed sequence in tests).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  return Math.floor(random() * backoffCeiling(attempt, policy));
}

/** Counts attempts; `reset()` after a connection that proved stable. */
export interface Backoff {
  /** Delay for the next attempt, and the attempt number it belongs to (1-based, for logs). */
  next(): { delayMs: number; attempt: number };
  reset(): void;
  readonly attempts: number;
}

/** A stateful wrapper around {@link backoffDelay}. */
export function createBackoff(policy: BackoffPolicy, random: () => number = Math.random): Backoff {
  let attempts = 0;
  return {
    next() {
      const delayMs = backoffDelay(attempts, policy, random);
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
