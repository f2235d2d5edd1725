import { isSeverity, type ProblemRef, type Severity } from '../../core/protocol';
import { fromLocalInput } from '../../shared/ui/local-time';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Time ranges of the problems page; presets end now. */
export const PROBLEM_RANGES = [
  { id: 'hour', label: 'Last hour', ms: HOUR },
  { id: 'day', label: 'Last day', ms: DAY },
  { id: 'week', label: 'Last week', ms: 7 * DAY },
  { id: 'month', label: 'Last 30 days', ms: 30 * DAY },
  { id: 'all', label: 'Any time', ms: 0 },
  { id: 'custom', label: 'From … to …', ms: 0 },
] as const;
type ProblemRange = (typeof PROBLEM_RANGES)[number]['id'];

/** A mark filter: any, has it now, has it not. */
type MarkFilter = '' | 'true' | 'false';

/** What the filters of the problems page say (empty: not filtered). */
export interface ProblemFilters {
  range: ProblemRange;
  /** `datetime-local` texts, for the custom range. */
  from: string;
  to: string;
  hostId: number | null;
  groupId: number | null;
  serviceId: number | null;
  severity: Severity | '';
  acknowledged: MarkFilter;
  maintenance: MarkFilter;
  flapping: MarkFilter;
}

export const NO_FILTERS: ProblemFilters = { range: 'day', from: '', to: '', hostId: null, groupId: null, serviceId: null, severity: '', acknowledged: '', maintenance: '', flapping: '' };

/**
 * The query of `GET /api/reports/transitions` (docs/api.md): filters left empty are left out,
 * presets end at `now`, pages become offsets. A custom range that is incomplete or backwards is
 * refused with a message for the user instead.
 */
export function problemsQuery(f: ProblemFilters, pageIndex: number, pageSize: number, now: number): Record<string, string | number | undefined> | { error: string } {
  let from: number | undefined;
  let to: number | undefined;
  if (f.range === 'custom') {
    from = fromLocalInput(f.from);
    to = fromLocalInput(f.to);
    if (from === undefined || to === undefined) return { error: 'Enter both ends of the time range.' };
    if (from >= to) return { error: 'The range must end after it starts.' };
  } else if (f.range !== 'all') {
    const preset = PROBLEM_RANGES.find((r) => r.id === f.range)!;
    from = now - preset.ms;
  }
  return {
    from,
    to,
    hostId: f.hostId ?? undefined,
    groupId: f.groupId ?? undefined,
    serviceId: f.serviceId ?? undefined,
    severity: f.severity || undefined,
    acknowledged: f.acknowledged || undefined,
    maintenance: f.maintenance || undefined,
    flapping: f.flapping || undefined,
    limit: pageSize,
    offset: pageIndex * pageSize,
  };
}

/** A transition's `problem` (`h:4`, `h:4:p:9`, `s:2`) as the acknowledgement API names it; undefined for anything else. */
export function problemRef(key: string | undefined): ProblemRef | undefined {
  if (!key) return undefined;
  let m = /^s:(\d+)$/.exec(key);
  if (m) return { serviceId: Number(m[1]) };
  m = /^h:(\d+)(?::p:(\d+))?$/.exec(key);
  if (!m) return undefined;
  return m[2] === undefined ? { hostId: Number(m[1]) } : { hostId: Number(m[1]), pluginId: Number(m[2]) };
}

const MARKS = ['acknowledged', 'maintenance', 'flapping'] as const;
const IDS = ['hostId', 'groupId', 'serviceId'] as const;

/**
 * The filters a URL carries (`/problems?hostId=3&acknowledged=false&range=week`), so a view can
 * be bookmarked and linked to; anything unknown or malformed is left at its default.
 */
export function filtersFromQuery(get: (key: string) => string | null): ProblemFilters {
  const f: ProblemFilters = { ...NO_FILTERS };
  const range = get('range');
  if (PROBLEM_RANGES.some((r) => r.id === range)) f.range = range as ProblemRange;
  if (f.range === 'custom') {
    f.from = get('from') ?? '';
    f.to = get('to') ?? '';
  }
  for (const key of IDS) {
    const id = Number(get(key));
    if (Number.isInteger(id) && id > 0) f[key] = id;
  }
  const severity = get('severity');
  if (severity !== null && isSeverity(severity)) f.severity = severity;
  for (const key of MARKS) {
    const v = get(key);
    if (v === 'true' || v === 'false') f[key] = v;
  }
  return f;
}

/** The URL query of the filters: defaults left out (null removes a parameter). */
export function filtersToQuery(f: ProblemFilters): Record<string, string | number | null> {
  const custom = f.range === 'custom';
  return {
    range: f.range === NO_FILTERS.range ? null : f.range,
    from: custom && f.from ? f.from : null,
    to: custom && f.to ? f.to : null,
    hostId: f.hostId,
    groupId: f.groupId,
    serviceId: f.serviceId,
    severity: f.severity || null,
    acknowledged: f.acknowledged || null,
    maintenance: f.maintenance || null,
    flapping: f.flapping || null,
  };
}
