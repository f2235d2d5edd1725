import { QueryTypes } from 'sequelize';
import {
  createDayPartition,
  createDefaultPartition,
  dayStart,
  isPartitioned,
  PARTITION_MS,
  PARTITIONED_TABLES,
  sqlIn,
  type PartitionedTable,
  type Sql,
} from '../partitions.js';
import type { Migration } from './types.js';

/*
 * PostgreSQL: `results`, `rollups_minute` and `rollups_hour` become tables partitioned by UTC day
 * of their time column (docs/storage.md, "Partitions"), so that retention drops a day's partition
 * instead of deleting its rows one by one. Existing rows are copied into the new tables inside
 * this migration's transaction: a failure leaves the old tables as they were.
 *
 * A unique index of a partitioned table must contain the partition key, so results' unique
 * `result_id` becomes unique `(result_id, measured_at)` (a resend carries the measured_at of the
 * first send; the result store's ON CONFLICT names the same pair) and the surrogate key becomes
 * `(id, measured_at)`. The rollups' primary key already contains `bucket_start`. The single-column
 * time indexes (`results.measured_at`, `rollups_*.bucket_start`) existed for retention's
 * range deletes; partitions replace them, and every insert is cheaper without them.
 *
 * Partitions are created for every day that holds rows within the table's retention, and for
 * today and the next days; anything else (older than retention, a clock far off) lands in the
 * DEFAULT partition, where the housekeeper deletes it when it expires. SQLite: nothing changes.
 * Idempotent: a table that is already partitioned is left alone.
 */

/** Days past today that get a partition now; the housekeeper keeps creating them ahead. */
const AHEAD_DAYS = 3;

/** The retention setting of each table, with the default of core/src/db/settings.ts (2026-12). */
const RETENTION: Record<PartitionedTable, { key: string; days: number }> = {
  results: { key: 'retentionRawDays', days: 30 },
  rollups_minute: { key: 'retentionMinuteDays', days: 90 },
  rollups_hour: { key: 'retentionHourDays', days: 730 },
};

async function retentionDays(sql: Sql, table: PartitionedTable): Promise<number> {
  const { key, days } = RETENTION[table];
  const [row] = await sql<{ value: unknown }>(`SELECT value FROM settings WHERE key = '${key}'`);
  const value = typeof row?.value === 'string' ? Number(row.value) : row?.value;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : days;
}

async function partition(sql: Sql, table: PartitionedTable, now: number): Promise<void> {
  if (await isPartitioned(sql, table)) return;
  const key = PARTITIONED_TABLES[table];
  const old = `${table}_unpartitioned`;
  await sql(`ALTER TABLE ${table} RENAME TO ${old}`);
  // Free the index and constraint names for the new table; the old one is dropped below.
  for (const c of await sql<{ name: string }>(`SELECT conname AS name FROM pg_constraint WHERE conrelid = '${old}'::regclass AND contype IN ('p', 'u')`)) {
    await sql(`ALTER TABLE ${old} DROP CONSTRAINT ${c.name}`);
  }
  for (const i of await sql<{ name: string }>(`SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = '${old}'`)) {
    await sql(`DROP INDEX ${i.name}`);
  }

  // Same columns, types, NOT NULLs and defaults (results.id keeps drawing from its sequence).
  await sql(`CREATE TABLE ${table} (LIKE ${old} INCLUDING DEFAULTS) PARTITION BY RANGE (${key})`);
  if (table === 'results') {
    const [seq] = await sql<{ name: string | null }>(`SELECT pg_get_serial_sequence('${old}', 'id') AS name`);
    if (seq?.name) await sql(`ALTER SEQUENCE ${seq.name} OWNED BY results.id`);
    await sql('ALTER TABLE results ADD CONSTRAINT results_pkey PRIMARY KEY (id, measured_at)');
    await sql('CREATE UNIQUE INDEX results_result_id_measured_at_uq ON results (result_id, measured_at)');
    await sql('CREATE INDEX results_host_id_plugin_id_measured_at_idx ON results (host_id, plugin_id, measured_at)');
  } else {
    await sql(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (host_id, plugin_id, bucket_start)`);
  }
  await createDefaultPartition(sql, table);

  const today = dayStart(now);
  const oldest = today - (await retentionDays(sql, table)) * PARTITION_MS;
  const newest = today + AHEAD_DAYS * PARTITION_MS;
  const days = new Set<number>();
  for (let d = today; d <= newest; d += PARTITION_MS) days.add(d);
  const withRows = await sql<{ day: number }>(
    `SELECT DISTINCT (${key} / ${PARTITION_MS}) * ${PARTITION_MS} AS day FROM ${old} WHERE ${key} >= ${oldest} AND ${key} < ${newest + PARTITION_MS}`,
  );
  for (const r of withRows) days.add(Number(r.day));
  for (const d of [...days].sort((a, b) => a - b)) await createDayPartition(sql, table, d);

  await sql(`INSERT INTO ${table} SELECT * FROM ${old}`);
  await sql(`DROP TABLE ${old}`);
  // Row estimates for the console's table sizes (and the planner) from the start.
  await sql(`ANALYZE ${table}`);
}

export const partitionHistory: Migration = {
  name: '0005-partition-history',
  async up(c) {
    if (c.dialect !== 'postgres') return;
    const sql = sqlIn(c.sequelize, c.transaction);
    const [clock] = await c.sequelize.query<{ now: number }>('SELECT (extract(epoch FROM now()) * 1000)::bigint AS now', {
      type: QueryTypes.SELECT,
      transaction: c.transaction,
    });
    const now = Number(clock?.now ?? Date.now());
    for (const table of Object.keys(PARTITIONED_TABLES) as PartitionedTable[]) await partition(sql, table, now);
  },
};
