/**
 * A fixed-window counter of failed sign-ins, keyed by IP address and by user name: successes
 * never count, so an office behind one address cannot lock itself out by signing in. Kept in
 * memory: the core is one process, and losing the counts on restart only gives an attacker one
 * more window. The clock is injected so tests advance time instead of sleeping.
 */
export interface AttemptLimiter {
  /** Whether an attempt may go ahead: not when any key has `max` failures in its window (then how many ms to wait). */
  check(keys: readonly string[]): { allowed: true } | { allowed: false; retryAfterMs: number };
  /** Counts one failure for every key. */
  fail(keys: readonly string[]): void;
  /** Forgets a key (a successful sign-in clears its user name). */
  reset(key: string): void;
}

export interface LimiterConfig {
  /** Failures allowed per key and window. */
  max: number;
  /** Window length, ms. */
  windowMs: number;
  /** Keys tracked at most; the oldest windows are dropped first, bounding memory under a spray. */
  maxKeys?: number;
}

export function createAttemptLimiter(config: LimiterConfig, now: () => number = Date.now): AttemptLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const maxKeys = config.maxKeys ?? 100_000;
  /** The key's window, or none when it has ended. */
  const current = (key: string, t: number) => {
    const w = windows.get(key);
    if (w && t - w.start < config.windowMs) return w;
    windows.delete(key);
    return undefined;
  };
  return {
    check(keys) {
      const t = now();
      let retryAfterMs = 0;
      for (const key of keys) {
        const w = current(key, t);
        if (w && w.count >= config.max) retryAfterMs = Math.max(retryAfterMs, w.start + config.windowMs - t);
      }
      return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
    },
    fail(keys) {
      const t = now();
      for (const key of keys) {
        let w = current(key, t);
        if (!w) {
          w = { start: t, count: 0 };
          windows.set(key, w);
          if (windows.size > maxKeys) windows.delete(windows.keys().next().value!);
        }
        w.count += 1;
      }
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
