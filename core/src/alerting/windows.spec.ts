import assert from 'node:assert/strict';
import { isTimeZone, localClock, windowActive, type WindowSchedule } from './windows.js';

const utc = (iso: string) => Date.parse(iso);

describe('maintenance windows: when a window is active', () => {
  it('a one-off window is active from its start (inclusive) to its end (exclusive)', () => {
    const w: WindowSchedule = { kind: 'once', startsAt: utc('2026-03-01T10:00:00Z'), endsAt: utc('2026-03-01T11:00:00Z') };
    assert.equal(windowActive(w, utc('2026-03-01T09:59:59Z')), false);
    assert.equal(windowActive(w, utc('2026-03-01T10:00:00Z')), true);
    assert.equal(windowActive(w, utc('2026-03-01T10:59:59Z')), true);
    assert.equal(windowActive(w, utc('2026-03-01T11:00:00Z')), false);
  });

  it('a daily window follows the zone’s clocks across the spring DST change (Europe/Berlin)', () => {
    const w: WindowSchedule = { kind: 'daily', timeZone: 'Europe/Berlin', startTime: '22:00', endTime: '23:00' };
    // Winter: UTC+1, so 22:00 Berlin is 21:00 UTC.
    assert.equal(windowActive(w, utc('2026-03-28T21:00:00Z')), true);
    assert.equal(windowActive(w, utc('2026-03-28T20:59:00Z')), false);
    // The clocks moved on 2026-03-29 at 02:00: UTC+2, so 22:00 Berlin is 20:00 UTC.
    assert.equal(windowActive(w, utc('2026-03-29T20:00:00Z')), true);
    assert.equal(windowActive(w, utc('2026-03-29T21:00:00Z')), false);
  });

  it('the same UTC instant is inside a window in one zone and outside it in another', () => {
    const at = utc('2026-07-01T03:30:00Z');
    const night = (timeZone: string): WindowSchedule => ({ kind: 'daily', timeZone, startTime: '01:00', endTime: '05:00' });
    assert.equal(windowActive(night('UTC'), at), true);
    assert.equal(windowActive(night('America/New_York'), at), false); // 23:30 there
    assert.equal(windowActive(night('Asia/Kolkata'), at), false); // 09:00 there
    assert.equal(windowActive(night('Australia/Sydney'), at), false); // 13:30 there
  });

  it('a window that crosses midnight belongs to the day it starts on', () => {
    const w: WindowSchedule = { kind: 'weekly', timeZone: 'UTC', startTime: '22:00', endTime: '02:00', weekdays: [6] };
    assert.equal(windowActive(w, utc('2026-03-07T23:00:00Z')), true); // Saturday night
    assert.equal(windowActive(w, utc('2026-03-08T01:59:00Z')), true); // into Sunday morning
    assert.equal(windowActive(w, utc('2026-03-08T02:00:00Z')), false);
    assert.equal(windowActive(w, utc('2026-03-08T23:00:00Z')), false); // Sunday night is not in it
    assert.equal(windowActive(w, utc('2026-03-07T01:00:00Z')), false); // Saturday morning neither
  });

  it('a weekly window in a zone east of UTC starts on its local weekday', () => {
    // Monday 00:30 in Tokyo is Sunday 15:30 UTC.
    const w: WindowSchedule = { kind: 'weekly', timeZone: 'Asia/Tokyo', startTime: '00:00', endTime: '01:00', weekdays: [1] };
    assert.equal(windowActive(w, utc('2026-03-08T15:30:00Z')), true);
    assert.equal(windowActive(w, utc('2026-03-09T15:30:00Z')), false);
  });

  it('on the day the clocks skip an hour a window starting inside it starts when they jump past it', () => {
    const w: WindowSchedule = { kind: 'daily', timeZone: 'America/New_York', startTime: '02:30', endTime: '04:00' };
    // 2026-03-08: 01:59 EST (06:59 UTC) is followed by 03:00 EDT (07:00 UTC).
    assert.equal(windowActive(w, utc('2026-03-08T06:59:00Z')), false);
    assert.equal(windowActive(w, utc('2026-03-08T07:00:00Z')), true);
    assert.equal(localClock(utc('2026-03-08T07:00:00Z'), 'America/New_York').minutes, 180);
  });

  it('on the day the clocks repeat an hour the window is active both times the clocks show it', () => {
    const w: WindowSchedule = { kind: 'daily', timeZone: 'Europe/London', startTime: '01:00', endTime: '01:30' };
    // 2026-10-25: 01:00–01:59 happens at 00:00 UTC (BST) and again at 01:00 UTC (GMT).
    assert.equal(windowActive(w, utc('2026-10-25T00:15:00Z')), true);
    assert.equal(windowActive(w, utc('2026-10-25T00:45:00Z')), false);
    assert.equal(windowActive(w, utc('2026-10-25T01:15:00Z')), true);
  });

  it('an empty window (start = end) is never active; bad zones are recognised', () => {
    assert.equal(windowActive({ kind: 'daily', timeZone: 'UTC', startTime: '10:00', endTime: '10:00' }, utc('2026-03-01T10:00:00Z')), false);
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone('Mars/Olympus_Mons'), false);
    assert.equal(isTimeZone('UTC'), true);
  });
});
