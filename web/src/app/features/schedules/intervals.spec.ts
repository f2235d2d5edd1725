import { EVERY_UNITS, firstRunText, fromLocalInput, intervalToRow, nextRuns, rowToInterval, toLocalInput, createIntervalGroup, waitText } from './intervals';
import { createScheduleForm, defaultIntervalStart, formIntervals, scheduleInput } from './schedule-form';

const HOUR = 3_600_000;

describe('interval rows and epoch milliseconds', () => {
  it('reads the start as local time and sends UTC epoch milliseconds', () => {
    const start = fromLocalInput('2026-03-01T09:30');
    // Whatever the test machine's zone, the epoch is that local wall-clock time.
    expect(start).toBe(new Date(2026, 2, 1, 9, 30).getTime());
    expect(rowToInterval({ start: '2026-03-01T09:30', every: 5, unit: 'minutes' })).toEqual({ start, everyMs: 300_000 });
    expect(rowToInterval({ start: '2026-03-01T09:30', every: 2, unit: 'hours' })?.everyMs).toBe(2 * HOUR);
    expect(rowToInterval({ start: '2026-03-01T09:30', every: 1, unit: 'days' })?.everyMs).toBe(24 * HOUR);
  });

  it('round-trips an API interval through a row in the largest whole unit', () => {
    const start = new Date(2026, 0, 15, 23, 0).getTime();
    expect(intervalToRow({ start, everyMs: 300_000 })).toEqual({ start: '2026-01-15T23:00', every: 5, unit: 'minutes' });
    expect(intervalToRow({ start, everyMs: 6 * HOUR })).toMatchObject({ every: 6, unit: 'hours' });
    expect(intervalToRow({ start, everyMs: 48 * HOUR })).toMatchObject({ every: 2, unit: 'days' });
    // Not a whole number of minutes: kept exactly, in seconds.
    expect(intervalToRow({ start: start + 5_000, everyMs: 90_000 })).toEqual({ start: '2026-01-15T23:00:05', every: 90, unit: 'seconds' });
    for (const everyMs of [60_000, 90_000, 7 * HOUR, 3 * 24 * HOUR]) {
      expect(rowToInterval(intervalToRow({ start, everyMs }))).toEqual({ start, everyMs });
    }
    expect(fromLocalInput(toLocalInput(start + 7_000))).toBe(start + 7_000);
  });

  it('refuses incomplete or impossible rows', () => {
    expect(fromLocalInput('')).toBeUndefined();
    expect(fromLocalInput('2026-02-31T10:00')).toBeUndefined(); // no 31 February
    expect(fromLocalInput('yesterday')).toBeUndefined();
    expect(rowToInterval({ start: '2026-03-01T09:30', every: null, unit: 'minutes' })).toBeUndefined();
    expect(rowToInterval({ start: '2026-03-01T09:30', every: 0, unit: 'minutes' })).toBeUndefined();
    expect(rowToInterval({ start: '2026-03-01T09:30', every: 1.5, unit: 'hours' })).toBeUndefined();
    expect(rowToInterval({ start: '2026-03-01T09:30', every: 400, unit: 'days' })).toBeUndefined(); // beyond protocol's 366 days
  });

  it('validates a row in the form, including protocol’s longest interval', () => {
    const row = createIntervalGroup({ start: '2026-03-01T09:30', every: 367, unit: 'days' });
    expect(row.errors).toEqual({ everyTooLong: true });
    row.controls.every.setValue(366);
    expect(row.valid).toBe(true);
    row.controls.start.setValue('2026-02-30T10:00');
    expect(row.controls.start.errors).toEqual({ time: true });
  });

  it('computes the next three runs with protocol’s schedule arithmetic', () => {
    const start = Date.UTC(2026, 0, 1, 0, 0);
    const intervals = [
      { start, everyMs: HOUR },
      { start: start + 30 * 60_000, everyMs: 2 * HOUR },
    ];
    expect(nextRuns(intervals, start + 10 * 60_000)).toEqual([start + 30 * 60_000, start + HOUR, start + 2 * HOUR]);
    // A slot exactly now counts, and two intervals sharing a slot give it once.
    expect(nextRuns([{ start, everyMs: HOUR }, { start, everyMs: 2 * HOUR }], start)).toEqual([start, start + HOUR, start + 2 * HOUR]);
    expect(nextRuns([], start)).toEqual([]);
  });

  it('builds the API body from the rows, leaving out nothing and adding nothing', () => {
    const start = new Date(2026, 5, 1, 8, 0).getTime();
    const form = createScheduleForm({ name: ' nightly ', description: '', enabled: true, checkIds: [2], intervals: [{ start, everyMs: 24 * HOUR }] });
    form.controls.intervals.push(createIntervalGroup({ start: '2026-06-01T12:15', every: 15, unit: 'minutes' }));
    expect(scheduleInput(form)).toEqual({
      name: 'nightly',
      description: '',
      enabled: true,
      checkIds: [2],
      intervals: [
        { start, everyMs: 24 * HOUR },
        { start: new Date(2026, 5, 1, 12, 15).getTime(), everyMs: 15 * 60_000 },
      ],
    });
  });

  describe('issue 21: seconds, a start that is now, and when the first run happens', () => {
    it('offers seconds in the form as the API accepts them', () => {
      expect(EVERY_UNITS).toContain('seconds');
      expect(rowToInterval({ start: '2026-03-01T09:30', every: 30, unit: 'seconds' })?.everyMs).toBe(30_000);
      expect(intervalToRow({ start: new Date(2026, 2, 1, 9, 30).getTime(), everyMs: 30_000 })).toMatchObject({ every: 30, unit: 'seconds' });
      const row = createIntervalGroup({ start: '2026-03-01T09:30', every: 1, unit: 'seconds' });
      expect(row.valid).toBe(true);
    });

    it('starts a new schedule at the current whole hour, so saved at 09:01 it first runs at 09:05, not 10:00', () => {
      const saved = new Date(2026, 2, 1, 9, 1, 20).getTime();
      expect(defaultIntervalStart(saved)).toBe('2026-03-01T09:00');
      const form = createScheduleForm(undefined, saved);
      expect(nextRuns(formIntervals(form), saved, 1)).toEqual([new Date(2026, 2, 1, 9, 5).getTime()]);
    });

    it('says when the first run happens and how long until then', () => {
      const now = new Date(2026, 2, 1, 9, 1, 30).getTime();
      const fmt = (t: number) => new Date(t).toTimeString().slice(0, 8);
      expect(firstRunText([{ start: new Date(2026, 2, 1, 9, 0).getTime(), everyMs: 300_000 }], now, fmt)).toBe('at 09:05:00 (in 3 min 30 s)');
      expect(firstRunText([{ start: now, everyMs: 10_000 }], now, fmt)).toBe('now (09:01:30)');
      expect(firstRunText([], now, fmt)).toBeUndefined();
      expect(waitText(2 * HOUR + 5 * 60_000)).toBe('2 h 5 min');
      expect(waitText(3 * 24 * HOUR + HOUR + 7_000)).toBe('3 d 1 h');
      expect(waitText(45_000)).toBe('45 s');
    });
  });
});
