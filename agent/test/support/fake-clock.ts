import type { Clock } from '../../src/clock.js';

/** A clock tests move by hand: `advance` fires due timers in time order. */
export interface FakeClock extends Clock {
  advance(ms: number): void;
  readonly pending: number;
}

export function createFakeClock(start: number): FakeClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { due: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { due: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let first: [number, { due: number; fn: () => void }] | undefined;
        for (const entry of timers) if (entry[1].due <= target && (!first || entry[1].due < first[1].due)) first = entry;
        if (!first) break;
        timers.delete(first[0]);
        now = Math.max(now, first[1].due);
        first[1].fn();
      }
      now = target;
    },
    get pending() {
      return timers.size;
    },
  };
}
