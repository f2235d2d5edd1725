import { fromLocalInput, toLocalInput } from '../../shared/ui/local-time';
import { count } from '../../shared/ui/plural';

/**
 * The time range of the host detail page: a preset that slides with the clock ("last day" is
 * always the 24 hours before now) or a fixed custom range. The range lives in the URL query
 * (`?range=week`, `?range=custom&from=…&to=…`) so a view can be bookmarked and shared.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const RANGE_PRESETS = [
  { preset: 'hour', label: 'Last hour', ms: HOUR },
  { preset: 'day', label: 'Last day', ms: DAY },
  { preset: 'week', label: 'Last week', ms: 7 * DAY },
  { preset: 'month', label: 'Last 30 days', ms: 30 * DAY },
] as const;

export type RangePreset = (typeof RANGE_PRESETS)[number]['preset'] | 'custom';

/** What the user chose; `from`/`to` (epoch ms) only matter for `custom`. */
export interface RangeChoice {
  preset: RangePreset;
  from?: number | undefined;
  to?: number | undefined;
}

export interface TimeRange {
  from: number;
  to: number;
}

const DEFAULT_RANGE: RangeChoice = { preset: 'day' };

/**
 * The `[from, to)` the API is asked for. Presets end now; a custom range is taken as given and
 * refused (with a message for the user) when incomplete or backwards.
 */
export function resolveRange(choice: RangeChoice, now: number): TimeRange | { error: string } {
  if (choice.preset !== 'custom') {
    const preset = RANGE_PRESETS.find((p) => p.preset === choice.preset) ?? RANGE_PRESETS[1];
    return { from: now - preset.ms, to: now };
  }
  const { from, to } = choice;
  if (from === undefined || to === undefined || !Number.isFinite(from) || !Number.isFinite(to)) return { error: 'Choose both a start and an end.' };
  if (from >= to) return { error: 'The start must be before the end.' };
  return { from, to };
}

/** Reads the URL query (`range`, `from`, `to`); anything unreadable falls back to the last day. */
export function choiceFromQuery(range: string | undefined, from: string | undefined, to: string | undefined): RangeChoice {
  if (range === 'custom') {
    const f = Number(from);
    const t = Number(to);
    if (Number.isSafeInteger(f) && Number.isSafeInteger(t) && f < t) return { preset: 'custom', from: f, to: t };
    return DEFAULT_RANGE;
  }
  return RANGE_PRESETS.some((p) => p.preset === range) ? { preset: range as RangePreset } : DEFAULT_RANGE;
}

/** The URL query for a choice; the default range leaves the URL clean. */
export function choiceToQuery(choice: RangeChoice): Record<string, string | null> {
  if (choice.preset === 'custom') return { range: 'custom', from: String(choice.from ?? ''), to: String(choice.to ?? '') };
  return { range: choice.preset === DEFAULT_RANGE.preset ? null : choice.preset, from: null, to: null };
}

/** A custom range from the two `datetime-local` inputs (the user's local time). */
export function customChoice(fromText: string, toText: string): RangeChoice {
  return { preset: 'custom', from: fromLocalInput(fromText), to: fromLocalInput(toText) };
}

/** Pre-fills the custom inputs with a range (typically the one on screen). */
export function rangeInputs(range: TimeRange): { from: string; to: string } {
  return { from: toLocalInput(Math.floor(range.from / 60_000) * 60_000), to: toLocalInput(Math.ceil(range.to / 60_000) * 60_000) };
}

/** How the API aggregated the points (`HostReport.resolutionMs`), in words for the page. */
export function resolutionLabel(resolutionMs: number): string {
  if (resolutionMs <= 0) return 'every result';
  if (resolutionMs === 60_000) return 'averages per minute';
  if (resolutionMs === HOUR) return 'averages per hour';
  return `averages per ${count(Math.round(resolutionMs / 60_000), 'minute', 'minutes')}`;
}
