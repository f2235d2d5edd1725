import type { ProblemRef, Silence, SilenceInput } from '../../core/protocol';

/** What the silence form edits; times as the browser's inputs give them. */
export interface SilenceDraft {
  name: string;
  comment: string;
  kind: 'once' | 'daily' | 'weekly';
  /** `datetime-local` values, in the browser's time zone. */
  startsAt: string;
  endsAt: string;
  timeZone: string;
  startTime: string;
  endTime: string;
  weekdays: number[];
  hostIds: number[];
  groupIds: number[];
  serviceIds: number[];
  checkIds: number[];
  /** Plugin ids (`io.prophasis.cpu-load`): that plugin on any host. */
  pluginIds: string[];
  /** One problem only (one plugin on one host), when opened from a plugin's Silence action. */
  problem?: ProblemRef;
}

export const WEEKDAYS = [
  { day: 1, label: 'Mon' },
  { day: 2, label: 'Tue' },
  { day: 3, label: 'Wed' },
  { day: 4, label: 'Thu' },
  { day: 5, label: 'Fri' },
  { day: 6, label: 'Sat' },
  { day: 7, label: 'Sun' },
] as const;

/** A `datetime-local` value (browser time) for an instant. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/**
 * A fresh draft: one hour from now, in the browser's zone, scoped to what the page was opened
 * for: a host, a service, or one plugin on one host (`pluginId` is the plugin's row id, as in
 * acknowledgements) — that problem only, not the whole host.
 */
export function newDraft(now: number, scope: { hostId?: number; serviceId?: number; pluginId?: number }, timeZone: string): SilenceDraft {
  const problem = scope.hostId && scope.pluginId ? { hostId: scope.hostId, pluginId: scope.pluginId } : undefined;
  return {
    name: '',
    comment: '',
    kind: 'once',
    startsAt: localInput(now),
    endsAt: localInput(now + 3_600_000),
    timeZone,
    startTime: '22:00',
    endTime: '02:00',
    weekdays: [6],
    hostIds: scope.hostId && !problem ? [scope.hostId] : [],
    groupIds: [],
    serviceIds: scope.serviceId ? [scope.serviceId] : [],
    checkIds: [],
    pluginIds: [],
    ...(problem ? { problem } : {}),
  };
}

/** The API's body for a draft: only the fields its kind uses (the core names any field it refuses). */
export function toSilenceInput(d: SilenceDraft): SilenceInput {
  const scopes = { hostIds: d.hostIds, groupIds: d.groupIds, serviceIds: d.serviceIds, checkIds: d.checkIds, pluginIds: d.pluginIds, ...(d.problem ? { problem: d.problem } : {}) };
  const base = { name: d.name.trim(), comment: d.comment, kind: d.kind, scopes };
  if (d.kind === 'once') return { ...base, startsAt: new Date(d.startsAt).getTime(), endsAt: new Date(d.endsAt).getTime() };
  return { ...base, timeZone: d.timeZone.trim(), startTime: d.startTime, endTime: d.endTime, ...(d.kind === 'weekly' ? { weekdays: [...d.weekdays].sort() } : {}) };
}

/** When a silence applies, in words. */
export function describeWindow(s: Silence, format: (ms: number) => string): string {
  if (s.kind === 'once') return `${format(s.startsAt!)} – ${format(s.endsAt!)}`;
  if (s.kind === 'until-ok') return `from ${format(s.startsAt!)} until ok`;
  const days = s.kind === 'daily' ? 'Daily' : WEEKDAYS.filter((w) => s.weekdays.includes(w.day)).map((w) => w.label).join(', ');
  return `${days} ${s.startTime}–${s.endTime} (${s.timeZone})`;
}
