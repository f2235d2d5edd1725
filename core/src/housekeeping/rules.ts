import type { Database, ExpiryTarget, PartitionedTable, Settings } from '../db/index.js';

/** How long one growing table keeps its rows, and how they are found. */
export interface RetentionRule {
  /** The table, as the settings page names it. */
  table: string;
  /** The setting with the days rows are kept; null: rows go as soon as they expire (sessions). */
  setting: RetentionSetting | null;
  /** A row is expired when all of these (epoch-ms) columns are below the cutoff. */
  columns: readonly string[];
  key: ExpiryTarget['key'];
  /** PostgreSQL: expired days are dropped as partitions of this table (migration 0005). */
  partitioned?: PartitionedTable;
  /** Per dialect, an SQL condition: the rows it holds for stay, however old (`ExpiryTarget.keep`). */
  keep?: Record<Database['dialect'], string>;
}

/** The settings that are a number of days to keep rows for. */
type RetentionSetting = {
  [K in keyof Settings]: K extends `retention${string}Days` ? K : never;
}[keyof Settings];

/**
 * Transitions alerting has not read yet (after its cursor in `alert_cursor`, core/src/alerting
 * transition-log.ts): a late result can make a transition older than the setting, and it must
 * still become its notifications. On PostgreSQL rows are read in (xact_id, id) order; a row
 * without xact_id is history, never read.
 */
const UNREAD_TRANSITIONS: Record<Database['dialect'], string> = {
  sqlite: `EXISTS (SELECT 1 FROM alert_cursor c WHERE c.name = 'state_transitions' AND state_transitions.id > c.last_id)`,
  postgres: `state_transitions.xact_id IS NOT NULL AND EXISTS (SELECT 1 FROM alert_cursor c WHERE c.name = 'state_transitions'
    AND (state_transitions.xact_id, state_transitions.id) > (CAST(CAST(c.last_xact_id AS text) AS xid8), c.last_id))`,
};

/**
 * Every table that grows, in the order a run trims them (docs/storage.md, "Retention and
 * housekeeping"). A delivery is kept while it was created or is due within the setting, so one
 * still being retried is never removed; the store removes delivered and abandoned ones itself.
 * An enrolment token stays for a while after it expired so that an agent presenting it is told
 * "expired", not "unknown". An action link goes when it expires: its token carries its expiry
 * and signature, so the link's page still says "expired" without the row.
 */
export const RETENTION_RULES: readonly RetentionRule[] = [
  { table: 'results', setting: 'retentionRawDays', columns: ['measured_at'], key: 'id', partitioned: 'results' },
  { table: 'rollups_minute', setting: 'retentionMinuteDays', columns: ['bucket_start'], key: 'row', partitioned: 'rollups_minute' },
  { table: 'rollups_hour', setting: 'retentionHourDays', columns: ['bucket_start'], key: 'row', partitioned: 'rollups_hour' },
  { table: 'system_log', setting: 'retentionSystemLogDays', columns: ['at'], key: 'id' },
  { table: 'state_transitions', setting: 'retentionTransitionsDays', columns: ['at'], key: 'id', keep: UNREAD_TRANSITIONS },
  { table: 'audit_log', setting: 'retentionAuditDays', columns: ['at'], key: 'id' },
  { table: 'alert_deliveries', setting: 'retentionAlertDeliveriesDays', columns: ['created_at', 'next_at'], key: 'id' },
  { table: 'enrolment_tokens', setting: 'retentionEnrolmentTokensDays', columns: ['expires_at'], key: 'id' },
  // Every problem notification mints three; an expired one is still recognised by its signature (core/src/alerting/action-links.ts).
  { table: 'action_links', setting: null, columns: ['expires_at'], key: 'id' },
  { table: 'sessions', setting: null, columns: ['expires_at'], key: 'id' },
];
