import assert from 'node:assert/strict';
import { dueAt, openTimes } from './escalation.js';

const MIN = 60_000;
const T0 = 1_700_000_000_000;
const rule = {
  repeatMs: 10 * MIN,
  escalations: [
    { afterMs: 15 * MIN, module: 'email', settings: { to: ['lead@example.com'] } },
    { afterMs: 60 * MIN, module: 'webhook', settings: { url: 'https://pager.example.com' } },
  ],
};

describe('repeat and escalation timing (fake clock)', () => {
  it('a new problem: first repeat after repeatMs, first step after its afterMs', () => {
    assert.deepEqual(openTimes(rule, T0), { openedAt: T0, nextRepeatAt: T0 + 10 * MIN, nextStep: 0, nextEscalationAt: T0 + 15 * MIN });
    assert.deepEqual(openTimes({ repeatMs: null, escalations: [] }, T0), { openedAt: T0, nextRepeatAt: null, nextStep: 0, nextEscalationAt: null });
  });

  it('walks a problem through an hour: repeats every 10 minutes, steps at 15 and 60 minutes, each once', () => {
    let times = openTimes(rule, T0);
    const sent: string[] = [];
    for (let minute = 1; minute <= 70; minute++) {
      const now = T0 + minute * MIN;
      const due = dueAt(times, rule, now, false);
      if (due.repeat) sent.push(`${minute}: repeat`);
      for (const s of due.steps) sent.push(`${minute}: ${s.module}`);
      times = due.next;
    }
    assert.deepEqual(sent, ['10: repeat', '15: email', '20: repeat', '30: repeat', '40: repeat', '50: repeat', '60: repeat', '60: webhook', '70: repeat']);
    assert.equal(times.nextEscalationAt, null, 'no step left');
  });

  it('after a long outage of the core: one repeat (not one per missed period) and every step that came due, in order', () => {
    const due = dueAt(openTimes(rule, T0), rule, T0 + 3 * 60 * MIN, false);
    assert.equal(due.repeat, true);
    assert.deepEqual(due.steps.map((s) => s.module), ['email', 'webhook']);
    assert.equal(due.next.nextRepeatAt, T0 + 3 * 60 * MIN + 10 * MIN);
  });

  it('while acknowledged or silenced: no repeat (the next is pushed on) and steps wait; they go out when it no longer is', () => {
    const times = openTimes(rule, T0);
    const held = dueAt(times, rule, T0 + 16 * MIN, true);
    assert.equal(held.repeat, false);
    assert.deepEqual(held.steps, []);
    assert.equal(held.next.nextRepeatAt, T0 + 26 * MIN);
    assert.equal(held.next.nextEscalationAt, T0 + 15 * MIN, 'the step stays due');
    const later = dueAt(held.next, rule, T0 + 17 * MIN, false);
    assert.equal(later.repeat, false, 'not yet time to repeat');
    assert.deepEqual(later.steps.map((s) => s.module), ['email']);
  });

  it('nothing is due before its time; a rule without repeat clears the repeat time', () => {
    const times = openTimes(rule, T0);
    const early = dueAt(times, rule, T0 + 9 * MIN, false);
    assert.equal(early.repeat, false);
    assert.deepEqual(early.steps, []);
    assert.deepEqual(early.next, times);
    assert.equal(dueAt(times, { repeatMs: null, escalations: [] }, T0 + 30 * MIN, false).next.nextRepeatAt, null);
  });
});
