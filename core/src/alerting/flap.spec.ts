import assert from 'node:assert/strict';
import { flapScore, isFlapping, FLAP_DEFAULTS } from './flap.js';

const steady = (n: number, s = 'ok') => Array<string>(n).fill(s);
const alternating = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'ok' : 'major'));
const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

describe('flap score (Nagios/Icinga weighted percent state change)', () => {
  it('a steady state scores 0, a change on every result 100', () => {
    close(flapScore(steady(21)), 0);
    close(flapScore(alternating(21)), 100);
    close(flapScore(alternating(40)), 100);
  });

  it('weights a change from 0.75 (oldest) to 1.25 (newest) over 20 possible changes', () => {
    close(flapScore([...steady(20), 'major']), 6.25); // newest: 1.25 × 100 / 20
    close(flapScore(['major', ...steady(20)]), 3.75); // oldest: 0.75 × 100 / 20
    // Two changes in the middle (positions 10 and 11): (0.75 + 9 × 0.5/19 + 0.75 + 10 × 0.5/19) × 5
    close(flapScore([...steady(10), 'major', ...steady(10)]), (1.5 + 19 * (0.5 / 19)) * 5);
  });

  it('only the newest window counts; a short history is padded with its oldest state', () => {
    close(flapScore([...alternating(30), ...steady(21)]), 0);
    close(flapScore(['ok', 'major']), 6.25);
    close(flapScore([]), 0);
    close(flapScore(alternating(5), 5), 100);
  });

  it('starts at the high threshold, stops at the low one, and keeps its state in between', () => {
    const t = FLAP_DEFAULTS;
    assert.equal(isFlapping(false, 30, t), true);
    assert.equal(isFlapping(false, 29.9, t), false);
    assert.equal(isFlapping(true, 25, t), true);
    assert.equal(isFlapping(true, 20, t), false);
    // A series that changes on every third result: 7 changes of 20, about 35 %: flapping.
    const third = Array.from({ length: 21 }, (_, i) => (Math.floor(i / 3) % 2 === 0 ? 'ok' : 'major'));
    assert.equal(isFlapping(false, flapScore(third), t), true);
  });
});
