import { fromLocalInput } from '../../shared/ui/local-time';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Time ranges of the audit trail page; presets end now. */
export const AUDIT_RANGES = [
  { id: 'day', label: 'Last day', ms: DAY },
  { id: 'week', label: 'Last week', ms: 7 * DAY },
  { id: 'month', label: 'Last 30 days', ms: 30 * DAY },
  { id: 'all', label: 'Any time', ms: 0 },
  { id: 'custom', label: 'From … to …', ms: 0 },
] as const;
type AuditRange = (typeof AUDIT_RANGES)[number]['id'];

/** Object kinds the core records (`targetKind`), offered as suggestions; any other text works too. */
export const AUDIT_KINDS = [
  'host',
  'group',
  'check',
  'schedule',
  'service',
  'alert',
  'user',
  'plugin',
  'publisher',
  'classifier',
  'classifier-override',
  'silence',
  'problem',
  'api-token',
  'fleet-token',
  'registration-rule',
  'alert-template',
  'settings',
  'housekeeping',
] as const;

/** What the audit page's filters say (empty: not filtered); kept in the URL (`/audit?user=ann&kind=host&id=7&range=week`). */
export interface AuditFilters {
  range: AuditRange;
  /** `datetime-local` texts, for the custom range. */
  from: string;
  to: string;
  user: string;
  action: string;
  kind: string;
  id: string;
}

const EMPTY: AuditFilters = { range: 'week', from: '', to: '', user: '', action: '', kind: '', id: '' };

/** The filters a URL's query says; unknown values fall back to the defaults. */
export function auditFiltersFromQuery(get: (key: string) => string | null): AuditFilters {
  const range = get('range');
  const text = (key: string, max: number) => (get(key) ?? '').slice(0, max);
  return {
    range: AUDIT_RANGES.some((r) => r.id === range) ? (range as AuditRange) : EMPTY.range,
    from: text('from', 32),
    to: text('to', 32),
    user: text('user', 128),
    action: text('action', 128),
    kind: text('kind', 32),
    id: text('id', 64),
  };
}

/** The query parameters of `f` (defaults and empty filters left out). */
export function auditFiltersToQuery(f: AuditFilters): Record<string, string | null> {
  const custom = f.range === 'custom';
  return {
    range: f.range === EMPTY.range ? null : f.range,
    from: custom && f.from ? f.from : null,
    to: custom && f.to ? f.to : null,
    user: f.user.trim() || null,
    action: f.action.trim() || null,
    kind: f.kind.trim() || null,
    id: f.id.trim() || null,
  };
}

/**
 * The query of `GET /api/audit` (docs/api.md): presets end at `now`, pages become offsets. A
 * custom range that is incomplete or backwards is refused with a message for the user instead.
 */
export function auditQuery(f: AuditFilters, pageIndex: number, pageSize: number, now: number): Record<string, string | number | undefined> | { error: string } {
  let from: number | undefined;
  let to: number | undefined;
  if (f.range === 'custom') {
    from = fromLocalInput(f.from);
    to = fromLocalInput(f.to);
    if (from === undefined || to === undefined) return { error: 'Enter both ends of the time range.' };
    if (from >= to) return { error: 'The range must end after it starts.' };
  } else if (f.range !== 'all') {
    from = now - AUDIT_RANGES.find((r) => r.id === f.range)!.ms;
  }
  return {
    from,
    to,
    user: f.user.trim() || undefined,
    action: f.action.trim() || undefined,
    targetKind: f.kind.trim() || undefined,
    targetId: f.id.trim() || undefined,
    limit: pageSize,
    offset: pageIndex * pageSize,
  };
}

/** Console pages of the objects an entry can name, by `targetKind` (numeric ids only; the others have no page of their own). */
const PAGES: Readonly<Record<string, (id: string) => string[]>> = {
  host: (id) => ['/hosts', id, 'detail'],
  group: (id) => ['/host-groups', id],
  check: (id) => ['/checks', id],
  schedule: (id) => ['/schedules', id],
  service: (id) => ['/services', id],
  alert: (id) => ['/alerts', id],
  user: (id) => ['/users', id],
};

/** The router link of the object an entry names, or undefined (no page, or it has no numeric id). */
export function objectLink(kind: string, id: string | null): string[] | undefined {
  if (id === null || !/^\d+$/.test(id) || !Object.hasOwn(PAGES, kind)) return undefined;
  return PAGES[kind]!(id);
}

/** An entry's summary as indented JSON for the details view; null and `{}` show as nothing. */
export function summaryText(summary: unknown): string {
  if (summary === null || summary === undefined) return '';
  if (typeof summary === 'object' && Object.keys(summary).length === 0) return '';
  return JSON.stringify(summary, null, 2);
}
