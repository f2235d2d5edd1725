/**
 * When a silence or maintenance window is active (docs/alerts.md, "Silences and maintenance
 * windows"). A recurring window is wall-clock time in an IANA time zone: "daily 22:00–06:00
 * Europe/Berlin" covers 22:00 to 06:00 on Berlin's clocks whatever the UTC offset is that day, so
 * it follows daylight saving time. Node's `Intl` (full ICU, the tz database Node ships) answers
 * "what do the clocks in zone Z show at instant t", which is all matching needs, so no time-zone
 * library is added; on the day clocks skip an hour a window that starts inside the skipped hour
 * starts when the clocks jump past it, and on the day they repeat an hour the window is active
 * whenever the clocks show a time inside it, both times round.
 */
export type WindowSchedule =
  | { kind: 'once'; startsAt: number; endsAt: number }
  | { kind: 'daily' | 'weekly'; timeZone: string; startTime: string; endTime: string; weekdays?: readonly number[] }
  | { kind: 'until-ok'; startsAt: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

/** True when `timeZone` is an IANA zone Node knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    localClock(0, timeZone);
    return true;
  } catch {
    return false;
  }
}

const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** What the clocks in `timeZone` show at `at`: ISO weekday (1 = Monday … 7 = Sunday) and minutes since midnight. */
export function localClock(at: number, timeZone: string): { weekday: number; minutes: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return { weekday: WEEKDAY[parts['weekday']!]!, minutes: Number(parts['hour']) * 60 + Number(parts['minute']) };
}

/** `HH:MM` (24 h) → minutes since midnight, or undefined. */
export function parseTimeOfDay(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/**
 * Whether the window is active at `at`. A recurring window whose end is not after its start
 * crosses midnight: it belongs to the day it starts on (weekly "Sat 22:00–02:00" covers Saturday
 * night into Sunday morning, not Sunday night). `weekdays` (ISO, 1 = Monday) limits the days a
 * window starts on; a daily window has all seven. `until-ok` is active from its start until the
 * problem is ok (which ends it: see suppression.ts).
 */
export function windowActive(w: WindowSchedule, at: number): boolean {
  if (w.kind === 'once') return w.startsAt <= at && at < w.endsAt;
  if (w.kind === 'until-ok') return w.startsAt <= at;
  const start = parseTimeOfDay(w.startTime);
  const end = parseTimeOfDay(w.endTime);
  if (start === undefined || end === undefined || start === end) return false;
  const days = new Set(w.kind === 'daily' || !w.weekdays ? [1, 2, 3, 4, 5, 6, 7] : w.weekdays);
  const { weekday, minutes } = localClock(at, w.timeZone);
  const yesterday = weekday === 1 ? 7 : weekday - 1;
  if (start < end) return days.has(weekday) && start <= minutes && minutes < end;
  return (days.has(weekday) && minutes >= start) || (days.has(yesterday) && minutes < end);
}
