import type { HousekeepingRun, HousekeepingTable, Settings } from '../../core/protocol';

/** What each growing table holds, in the words of the settings page. */
const LABELS: Readonly<Record<string, string>> = {
  results: 'Raw results',
  rollups_minute: 'Per-minute summaries',
  rollups_hour: 'Per-hour summaries',
  system_log: 'System log',
  state_transitions: 'State changes',
  audit_log: 'Audit trail',
  alert_deliveries: 'Alert deliveries',
  enrolment_tokens: 'Enrolment tokens',
  sessions: 'Sign-in sessions',
  action_links: 'Notification action links',
};

export const tableLabel = (table: string): string => LABELS[table] ?? table;

/** 1536 → "1.5 KiB"; null (the database cannot tell) → "—". */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '—';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[u]}`;
}

/** Rows, with "about" when the database only estimates them (PostgreSQL). */
export function formatRows(t: Pick<HousekeepingTable, 'rows' | 'rowsEstimated'>): string {
  const n = t.rows.toLocaleString('en-US');
  return t.rowsEstimated ? `about ${n}` : n;
}

/** How long the table keeps rows, from the settings (sessions, action links: until they expire). */
export function keptFor(t: Pick<HousekeepingTable, 'retentionSetting'>, settings: Settings | undefined): string {
  if (t.retentionSetting === null) return 'until they expire';
  const days = settings?.[t.retentionSetting as keyof Settings];
  return typeof days === 'number' ? `${days} ${days === 1 ? 'day' : 'days'}` : '—';
}

/** "Removed 1,234 rows (Raw results 1,200, System log 34) and dropped 1 partition in 0.4 s." */
export function describeRun(run: HousekeepingRun): string {
  const total = run.removed.reduce((n, r) => n + r.rows, 0);
  const parts = run.removed.filter((r) => r.rows > 0).map((r) => `${tableLabel(r.table)} ${r.rows.toLocaleString('en-US')}`);
  const dropped = run.removed.reduce((n, r) => n + r.partitionsDropped, 0);
  const rows = `Removed ${total.toLocaleString('en-US')} ${total === 1 ? 'row' : 'rows'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
  const partitions = dropped ? ` and dropped ${dropped} ${dropped === 1 ? 'partition' : 'partitions'}` : '';
  return `${rows}${partitions} in ${(run.durationMs / 1000).toFixed(1)} s.`;
}
