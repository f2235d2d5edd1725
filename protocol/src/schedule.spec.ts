import assert from 'node:assert/strict';
import { countSlots, fastForward, isWithinLateness, nextSlot, previousSlot, slotAfter, slotsBetween, type Interval } from './index.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0); // fixed clock: 2026-01-01T00:00:00Z
const MIN = 60_000;
const every5 = [{ start: T0, everyMs: 5 * MIN }];

describe('schedule arithmetic', () => {
  it('finds the next slot at or after a time', () => {
    assert.equal(nextSlot(every5, T0 - 1), T0, 'before the start, the start');
    assert.equal(nextSlot(every5, T0), T0, 'inclusive');
    assert.equal(nextSlot(every5, T0 + 1), T0 + 5 * MIN);
    assert.equal(nextSlot(every5, T0 + 7 * MIN), T0 + 10 * MIN);
    assert.equal(slotAfter(every5, T0 + 10 * MIN), T0 + 15 * MIN, 'strictly after');
  });

  it('takes the earliest of several intervals', () => {
    const two: Interval[] = [
      { start: T0, everyMs: 60 * MIN },
      { start: T0 + 30 * MIN, everyMs: 60 * MIN },
    ];
    assert.equal(nextSlot(two, T0 + 1), T0 + 30 * MIN);
    assert.equal(nextSlot(two, T0 + 31 * MIN), T0 + 60 * MIN);
    assert.equal(previousSlot(two, T0 + 45 * MIN), T0 + 30 * MIN);
    assert.equal(previousSlot(two, T0 - 1), undefined);
  });

  it('lists the slots in a half-open range, once each, in order', () => {
    const two: Interval[] = [
      { start: T0, everyMs: 10 * MIN },
      { start: T0, everyMs: 15 * MIN },
    ];
    assert.deepEqual(
      slotsBetween(two, T0, T0 + 31 * MIN).map((t) => (t - T0) / MIN),
      [0, 10, 15, 20, 30],
    );
    assert.deepEqual(slotsBetween(every5, T0 + 5 * MIN, T0 + 5 * MIN), []);
    assert.equal(countSlots(two, T0 - 1, T0 + 31 * MIN), 5);
  });

  it('refuses a range with too many slots instead of allocating it', () => {
    const everySecond = [{ start: T0, everyMs: 1_000 }];
    assert.throws(() => slotsBetween(everySecond, T0, T0 + 365 * 86_400_000), (e: Error & { code?: string }) => e.code === 'PROTO_TOO_MANY_SLOTS');
  });

  it('refuses invalid intervals', () => {
    for (const bad of [[], [{ start: T0, everyMs: 10 }], [{ start: -1, everyMs: MIN }], [{ start: T0, everyMs: 1.5 * 1000 + 0.5 }]]) {
      assert.throws(() => nextSlot(bad, T0), (e: Error & { code?: string }) => e.code === 'PROTO_INVALID_SCHEDULE');
    }
  });

  it('knows whether a slot may still start', () => {
    assert.ok(isWithinLateness(T0, T0, 0));
    assert.ok(isWithinLateness(T0, T0 + 2 * MIN, 2 * MIN));
    assert.ok(!isWithinLateness(T0, T0 + 2 * MIN + 1, 2 * MIN));
    assert.ok(!isWithinLateness(T0 + MIN, T0, 5 * MIN), 'not yet due');
  });

  describe('fast-forward (execute_next)', () => {
    it('runs the next slot when nothing was missed', () => {
      assert.deepEqual(fastForward(every5, T0, T0 + MIN, 2 * MIN), { slot: T0 + 5 * MIN, missed: 0 });
      assert.deepEqual(fastForward(every5, undefined, T0 - MIN, 2 * MIN), { slot: T0, missed: 0 });
    });

    it('still runs a late slot inside max lateness', () => {
      assert.deepEqual(fastForward(every5, T0, T0 + 6 * MIN, 2 * MIN), { slot: T0 + 5 * MIN, missed: 0 });
    });

    it('skips and counts slots that could only start too late', () => {
      // last ran at T0; now is T0+23min; maxLateness 2min → slots 5,10,15,20 are too late.
      assert.deepEqual(fastForward(every5, T0, T0 + 23 * MIN, 2 * MIN), { slot: T0 + 25 * MIN, missed: 4 });
      // slot 20 is exactly 2 min late at T0+22: still allowed.
      assert.deepEqual(fastForward(every5, T0, T0 + 22 * MIN, 2 * MIN), { slot: T0 + 20 * MIN, missed: 3 });
    });

    it('answers a week of one-minute slots without walking them', () => {
      const everyMinute = [{ start: T0, everyMs: MIN }];
      const week = 7 * 24 * 60;
      const ff = fastForward(everyMinute, T0, T0 + week * MIN + 30_000, 0);
      assert.equal(ff.slot, T0 + (week + 1) * MIN);
      assert.equal(ff.missed, week);
    });
  });
});
