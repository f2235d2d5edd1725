import { ProtocolErrors } from './errors.js';
import { MAX_EVERY_MS, MIN_EVERY_MS } from './schema-common.js';
import type { Interval } from './schema-common.js';

/**
 * Schedule arithmetic shared by the agent (which runs its plan) and the core (which knows
 * which results it should have received). All times are epoch milliseconds, so everything is
 * UTC; an interval fires at `start + k * everyMs` for every whole k ≥ 0.
 */

/** Refuses intervals the arithmetic cannot honour. */
function assertIntervals(intervals: readonly Interval[]): void {
  if (intervals.length === 0) throw ProtocolErrors.INVALID_SCHEDULE('at least one interval is required');
  for (const { start, everyMs } of intervals) {
    if (!Number.isSafeInteger(start) || start < 0) throw ProtocolErrors.INVALID_SCHEDULE(`start ${start} is not a valid time`);
    if (!Number.isSafeInteger(everyMs) || everyMs < MIN_EVERY_MS || everyMs > MAX_EVERY_MS) {
      throw ProtocolErrors.INVALID_SCHEDULE(`every ${everyMs} ms is outside ${MIN_EVERY_MS}..${MAX_EVERY_MS}`);
    }
  }
}

/** First slot of one interval at or after `t`. */
function firstAtOrAfter({ start, everyMs }: Interval, t: number): number {
  if (t <= start) return start;
  return start + Math.ceil((t - start) / everyMs) * everyMs;
}

/** The earliest slot of any interval at or after `t` (inclusive). */
export function nextSlot(intervals: readonly Interval[], t: number): number {
  assertIntervals(intervals);
  let best = Infinity;
  for (const interval of intervals) best = Math.min(best, firstAtOrAfter(interval, t));
  return best;
}

/** The earliest slot strictly after `t`. */
export function slotAfter(intervals: readonly Interval[], t: number): number {
  return nextSlot(intervals, t + 1);
}

/** The latest slot at or before `t`, or `undefined` when no interval has started yet. */
export function previousSlot(intervals: readonly Interval[], t: number): number | undefined {
  assertIntervals(intervals);
  let best: number | undefined;
  for (const { start, everyMs } of intervals) {
    if (t < start) continue;
    const slot = start + Math.floor((t - start) / everyMs) * everyMs;
    if (best === undefined || slot > best) best = slot;
  }
  return best;
}

/** Guard against accidental enormous ranges (a year of one-second slots). */
const DEFAULT_MAX_SLOTS = 100_000;

/**
 * All distinct slots in `[from, to)`, ascending. Two intervals that share a slot yield it once.
 * Throws `PROTO_TOO_MANY_SLOTS` when the range holds more than `maxSlots`.
 */
export function slotsBetween(intervals: readonly Interval[], from: number, to: number, maxSlots = DEFAULT_MAX_SLOTS): number[] {
  assertIntervals(intervals);
  if (to <= from) return [];
  const set = new Set<number>();
  for (const interval of intervals) {
    for (let slot = firstAtOrAfter(interval, from); slot < to; slot += interval.everyMs) {
      set.add(slot);
      if (set.size > maxSlots) throw ProtocolErrors.TOO_MANY_SLOTS(`more than ${maxSlots} between ${from} and ${to}`);
    }
  }
  return [...set].sort((a, b) => a - b);
}

/** True when a run for `slot` may still start at `now`: it is due and at most `maxLatenessMs` late. */
export function isWithinLateness(slot: number, now: number, maxLatenessMs: number): boolean {
  return now >= slot && now - slot <= maxLatenessMs;
}

/** Outcome of {@link fastForward}. */
export interface FastForward {
  /** The slot to run next (it may be in the future), never earlier than `now - maxLatenessMs`. */
  slot: number;
  /** Slots after `lastSlot` that are already too late to start, skipped and to be counted. */
  missed: number;
}

/**
 * The original design's "fast-forward execute_next" walk: after running `lastSlot` (or never,
 * with `undefined`), which slot comes next? Slots that could only start later than
 * `maxLatenessMs` are skipped and counted as missed, without enumerating them one by one, so
 * an agent that slept for a week over one-minute slots answers instantly.
 */
export function fastForward(
  intervals: readonly Interval[],
  lastSlot: number | undefined,
  now: number,
  maxLatenessMs: number,
): FastForward {
  assertIntervals(intervals);
  const earliestAllowed = now - maxLatenessMs;
  const after = lastSlot === undefined ? -Infinity : lastSlot;
  const candidate = lastSlot === undefined ? nextSlot(intervals, 0) : slotAfter(intervals, lastSlot);
  if (candidate >= earliestAllowed) return { slot: candidate, missed: 0 };
  const slot = nextSlot(intervals, Math.max(earliestAllowed, 0));
  return { slot, missed: countSlots(intervals, after, earliestAllowed) };
}

/**
 * Number of distinct slots in `(after, before)`, computed arithmetically per interval and
 * corrected for slots that two intervals share (exact for a single interval, and for several
 * intervals by enumerating only when the range is small).
 */
export function countSlots(intervals: readonly Interval[], after: number, before: number): number {
  if (before <= after) return 0;
  const from = after === -Infinity ? 0 : after + 1;
  if (intervals.length === 1) {
    const [interval] = intervals as [Interval];
    const first = firstAtOrAfter(interval, from);
    return first >= before ? 0 : Math.floor((before - 1 - first) / interval.everyMs) + 1;
  }
  let total = 0;
  for (const interval of intervals) total += countSlots([interval], after, before);
  if (total <= DEFAULT_MAX_SLOTS) return slotsBetween(intervals, from, before).length;
  return total; // an upper bound: shared slots are rare and the count is for reporting only
}
