import { FormControl, FormGroup, Validators, type AbstractControl, type ValidationErrors } from '@angular/forms';
import { MAX_EVERY_MS, MIN_EVERY_MS, nextSlot, type Interval } from '../../core/protocol';
import { fromLocalInput, toLocalInput } from '../../shared/ui/local-time';

export { fromLocalInput, toLocalInput };

/**
 * Schedule intervals as the form shows them: a start date-time in the user's local time (the
 * value of an `<input type="datetime-local">`) and "every N seconds/minutes/hours/days". The API keeps
 * UTC epoch milliseconds (`{ start, everyMs }`); these functions convert both ways.
 */

/** Every unit the form offers; seconds too, as the API accepts intervals from one second (issue 21). */
export const EVERY_UNITS = ['seconds', 'minutes', 'hours', 'days'] as const;
type EveryUnit = (typeof EVERY_UNITS)[number];

const UNIT_MS: Readonly<Record<EveryUnit, number>> = { seconds: 1_000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 };

export interface IntervalRow {
  /** `YYYY-MM-DDTHH:mm` (or with `:ss`), local time. */
  start: string;
  every: number | null;
  unit: EveryUnit;
}

/** An API interval as a form row, in the largest unit that divides it evenly. */
export function intervalToRow(interval: Interval): IntervalRow {
  const unit = (['days', 'hours', 'minutes', 'seconds'] as const).find((u) => interval.everyMs % UNIT_MS[u] === 0) ?? 'seconds';
  return { start: toLocalInput(interval.start), every: Math.round(interval.everyMs / UNIT_MS[unit]), unit };
}

/** A form row as the API's interval; undefined while the row is incomplete or malformed. */
export function rowToInterval(row: IntervalRow): Interval | undefined {
  const start = fromLocalInput(row.start);
  if (start === undefined || start < 0 || row.every === null || !Number.isInteger(row.every) || row.every < 1) return undefined;
  const everyMs = row.every * UNIT_MS[row.unit];
  if (everyMs < MIN_EVERY_MS || everyMs > MAX_EVERY_MS) return undefined;
  return { start, everyMs };
}

/** The next `count` run times at or after `now` (protocol's `nextSlot`), or [] without a valid interval. */
export function nextRuns(intervals: readonly Interval[], now: number, count = 3): number[] {
  if (intervals.length === 0) return [];
  const out: number[] = [];
  let t = now;
  while (out.length < count) {
    const slot = nextSlot(intervals, t);
    out.push(slot);
    t = slot + 1;
  }
  return out;
}

/**
 * When the first run happens, in words, for the form: `at Mon 7 Dec 2026, 16:15:00 (in 4 min 30 s)`,
 * or `now` for a slot this second; undefined without a complete interval.
 */
export function firstRunText(intervals: readonly Interval[], now: number, format: (t: number) => string): string | undefined {
  const [first] = nextRuns(intervals, now, 1);
  if (first === undefined) return undefined;
  const wait = first - now;
  return wait < 1_000 ? `now (${format(first)})` : `at ${format(first)} (in ${waitText(wait)})`;
}

/** A wait in the two largest units: `4 min 30 s`, `2 h 5 min`, `3 d 1 h`. */
export function waitText(ms: number): string {
  const s = Math.ceil(ms / 1_000);
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3_600), 'h'],
    [Math.floor((s % 3_600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const from = parts.findIndex(([n]) => n > 0);
  if (from === -1) return '0 s';
  return parts
    .slice(from, from + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(' ');
}

export type IntervalGroup = FormGroup<{ start: FormControl<string>; every: FormControl<number | null>; unit: FormControl<EveryUnit> }>;

/** A row of the intervals form array; the group validator enforces protocol's 1 s … 366 days. */
export function createIntervalGroup(row?: IntervalRow): IntervalGroup {
  return new FormGroup(
    {
      start: new FormControl(row?.start ?? '', { nonNullable: true, validators: [Validators.required, validLocalTime] }),
      every: new FormControl<number | null>(row?.every ?? null, { validators: [Validators.required, Validators.min(1), wholeNumber] }),
      unit: new FormControl<EveryUnit>(row?.unit ?? 'minutes', { nonNullable: true }),
    },
    { validators: everyWithinLimits },
  );
}

function validLocalTime(control: AbstractControl<string>): ValidationErrors | null {
  return control.value && fromLocalInput(control.value) === undefined ? { time: true } : null;
}

function wholeNumber(control: AbstractControl<number | null>): ValidationErrors | null {
  return control.value !== null && !Number.isInteger(control.value) ? { integer: true } : null;
}

function everyWithinLimits(group: AbstractControl): ValidationErrors | null {
  const { every, unit } = group.value as { every: number | null; unit: EveryUnit };
  if (every === null || !Number.isFinite(every)) return null;
  const ms = every * UNIT_MS[unit];
  if (ms > MAX_EVERY_MS) return { everyTooLong: true };
  if (ms < MIN_EVERY_MS) return { everyTooShort: true };
  return null;
}
