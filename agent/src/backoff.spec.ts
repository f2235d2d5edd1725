import assert from 'node:assert/strict';
import { backoffCeiling, backoffDelay, createBackoff } from './backoff.js';

const policy = { initialMs: 1_000, maxMs: 60_000 };

describe('backoff', () => {
  it('doubles the ceiling per attempt and caps it at maxMs', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7, 50, 5000].map((n) => backoffCeiling(n, policy)),
      [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000],
    );
  });

  it('draws the delay uniformly from [0, ceiling) (full jitter)', () => {
    assert.equal(backoffDelay(3, policy, () => 0), 0);
    assert.equal(backoffDelay(3, policy, () => 0.5), 4_000);
    assert.equal(backoffDelay(3, policy, () => 0.999999), 7_999);
    assert.equal(backoffDelay(100, policy, () => 0.999999), 59_999);
  });

  it('counts attempts and starts over after reset()', () => {
    const randoms = [0.5, 0.5, 0.5, 0.25];
    const b = createBackoff(policy, () => randoms.shift() ?? 0);
    assert.deepEqual(b.next(), { delayMs: 500, attempt: 1 });
    assert.deepEqual(b.next(), { delayMs: 1_000, attempt: 2 });
    assert.deepEqual(b.next(), { delayMs: 2_000, attempt: 3 });
    assert.equal(b.attempts, 3);
    b.reset();
    assert.deepEqual(b.next(), { delayMs: 250, attempt: 1 });
  });

  it('keeps the ceiling at earlyMaxMs during the early window of an outage, then doubles on', () => {
    const early = { ...policy, earlyMaxMs: 5_000, earlyWindowMs: 60_000 };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 9].map((n) => backoffCeiling(n, early, 30_000)),
      [1_000, 2_000, 4_000, 5_000, 5_000, 5_000, 5_000],
    );
    assert.equal(backoffCeiling(9, early, 60_000), 60_000, 'the window has passed');
    assert.equal(backoffCeiling(4, early), 16_000, 'no outage age given: past the window');
    assert.equal(backoffCeiling(4, policy, 0), 16_000, 'no early cap configured');
  });

  it('measures the outage from the first attempt after a reset, not from each attempt', () => {
    let t = 0;
    const early = { ...policy, earlyMaxMs: 5_000, earlyWindowMs: 60_000 };
    const b = createBackoff(early, () => 0.999999, () => t);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const { delayMs } = b.next();
      delays.push(delayMs);
      t += delayMs;
    }
    // 0.999 s, 1.999 s, 3.999 s, then 4.999 s each while under a minute; past it, doubling resumes.
    assert.deepEqual(delays.slice(0, 5), [999, 1_999, 3_999, 4_999, 4_999]);
    while (t < 60_000) t += b.next().delayMs;
    assert.ok(b.next().delayMs > 5_000, 'after the window the ceiling is the doubled one again');
    b.reset();
    assert.equal(b.next().delayMs, 999, 'a reset starts a new outage');
  });

  it('spreads 10,000 agents over the whole window instead of a single instant', () => {
    // A seeded generator (mulberry32) keeps the test deterministic.
    let seed = 42;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
    const delays = Array.from({ length: 10_000 }, () => backoffDelay(0, policy, random));
    const buckets = new Array<number>(10).fill(0);
    for (const d of delays) buckets[Math.floor(d / 100)]! += 1;
    // Each 100 ms tenth gets roughly 1,000 agents; none gets the stampede.
    for (const count of buckets) assert.ok(count > 800 && count < 1_200, `bucket of ${count}`);
  });
});
