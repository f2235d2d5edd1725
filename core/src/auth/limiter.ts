/**
 * A fixed-window attempt counter for sign-ins, keyed by IP address and by user name. Kept
 * in memory: the core is one process, and losing the counts on restart only gives an attacker
 * one more window. The clock is injected so tests advance time instead of sleeping.
 */
export interface AttemptLimiter {
  /** Counts one attempt for every key; returns how many ms to wait when any key is over the limit. */
  hit(keys: readonly string[]): { allowed: true } | { allowed: false; retryAfterMs: number };
  /** Forgets a key (a successful sign-in clears its user name). */
  reset(key: string): void;
}

export interface LimiterConfig {
  /** Attempts allowed per key and window. */
  max: number;
  /** Window length, ms. */
  windowMs: number;
  /** Keys tracked at most; the oldest windows are dropped first, bounding memory under a spray. */
  maxKeys?: number;
}

export function createAttemptLimiter(config: LimiterConfig, now: () => number = Date.now): AttemptLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const maxKeys = config.maxKeys ?? 100_000;
  return {
    hit(keys) {
      const t = now();
      let retryAfterMs = 0;
      for (const key of keys) {
        let w = windows.get(key);
        if (!w || t - w.start >= config.windowMs) {
          windows.delete(key);
          w = { start: t, count: 0 };
          windows.set(key, w);
          if (windows.size > maxKeys) windows.delete(windows.keys().next().value!);
        }
        w.count += 1;
        if (w.count > config.max) retryAfterMs = Math.max(retryAfterMs, w.start + config.windowMs - t);
      }
      return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
