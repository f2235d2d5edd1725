/**
 * A token bucket: `rate` tokens per second, at most `burst` saved up. A caller that finds it
 * empty reserves the next free token and waits for it, unless that wait would exceed
 * `maxWaitMs`: a storm of CONNECTs is spread over time instead of refused, because a refused
 * agent backs off and comes back later, after the storm, with a handshake already paid for.
 */
export function createTokenBucket(rate: number, burst: number, maxWaitMs: number, now: () => number = () => performance.now()): { acquire(): Promise<boolean> } {
  let tokens = burst;
  let last = now();
  return {
    acquire() {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) / 1000) * rate);
      last = t;
      tokens -= 1;
      if (tokens >= 0) return Promise.resolve(true);
      const waitMs = (-tokens / rate) * 1000;
      if (waitMs > maxWaitMs) {
        tokens += 1;
        return Promise.resolve(false);
      }
      return new Promise((resolve) => setTimeout(() => resolve(true), waitMs));
    },
  };
}
