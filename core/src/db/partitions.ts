import type { Sequelize, Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';

/*
 * Time partitions of the history tables on PostgreSQL (docs/storage.md, "Partitions"). `results`,
 * `rollups_minute` and `rollups_hour` are partitioned by range of their time column, one
 * partition per UTC day, plus a DEFAULT partition that catches rows of days that have none (an
 * agent's clock far off, a result older than the oldest partition). Expiring a day drops its
 * partition: no row is deleted one by one, no dead tuples are left for vacuum. SQLite keeps the
 * tables whole (its retention deletes rows in chunks).
 *
 * Used by migration 0005 (the conversion) and by the housekeeper (partitions ahead, drops).
 * Table and column names below are constants of this module, never input.
 */

/** The partitioned tables and their partition key. */
export const PARTITIONED_TABLES = {
  results: 'measured_at',
  rollups_minute: 'bucket_start',
  rollups_hour: 'bucket_start',
} as const;
export type PartitionedTable = keyof typeof PARTITIONED_TABLES;

/** Width of one partition: a UTC day. */
export const PARTITION_MS = 86_400_000;

/** Share of each rollup page filled by inserts (as migration 0002 set on the unpartitioned tables). */
const ROLLUP_PARTITION_FILLFACTOR = 70;

/** One day partition: rows with `from <= key < to`. */
export interface DayPartition {
  name: string;
  from: number;
  to: number;
}

/** Runs SQL on the caller's connection (and transaction), returning rows. */
export type Sql = <T extends object>(sql: string) => Promise<T[]>;

/** A {@link Sql} over Sequelize in `transaction`. */
export function sqlIn(sequelize: Sequelize, transaction: Transaction): Sql {
  return <T extends object>(sql: string) => sequelize.query<T>(sql, { type: QueryTypes.SELECT, transaction });
}

/** Start of the UTC day that contains `t`. */
export const dayStart = (t: number): number => Math.floor(t / PARTITION_MS) * PARTITION_MS;

/** `results_p20261207`: the table and the UTC date the partition starts. */
function partitionName(table: PartitionedTable, from: number): string {
  return `${table}_p${new Date(from).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export const defaultPartitionName = (table: PartitionedTable): string => `${table}_default`;

/** Whether `table` is a partitioned table (false before migration 0005, and on SQLite). */
export async function isPartitioned(sql: Sql, table: PartitionedTable): Promise<boolean> {
  const rows = await sql<{ kind: string }>(`SELECT c.relkind AS kind FROM pg_class c WHERE c.oid = to_regclass('${table}')`);
  return rows[0]?.kind === 'p';
}

/** The day partitions of `table`, oldest first (the DEFAULT partition is not listed). */
export async function listPartitions(sql: Sql, table: PartitionedTable): Promise<DayPartition[]> {
  const rows = await sql<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass('${table}')`,
  );
  const out: DayPartition[] = [];
  for (const r of rows) {
    // FOR VALUES FROM ('1765065600000') TO ('1765152000000'); DEFAULT for the default partition.
    const m = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(r.bound);
    if (m) out.push({ name: r.name, from: Number(m[1]), to: Number(m[2]) });
  }
  return out.sort((a, b) => a.from - b.from);
}

/**
 * Creates the partition of the day starting at `from` unless it exists. Rows of that day that
 * the DEFAULT partition holds move into it. Built as a plain table and then attached, because
 * `CREATE TABLE … PARTITION OF` locks the whole parent (ACCESS EXCLUSIVE) while ATTACH takes
 * only SHARE UPDATE EXCLUSIVE on it, which concurrent INSERTs do not wait for. The CHECK
 * constraint lets ATTACH skip scanning the new table. Returns whether it created one.
 */
export async function createDayPartition(sql: Sql, table: PartitionedTable, from: number): Promise<boolean> {
  if (from % PARTITION_MS !== 0) throw new Error(`a partition starts at a UTC midnight, not at ${from}`);
  const name = partitionName(table, from);
  const exists = await sql<{ n: string }>(`SELECT 1 AS n FROM pg_class WHERE oid = to_regclass('${name}')`);
  if (exists.length > 0) return false;
  const key = PARTITIONED_TABLES[table];
  const to = from + PARTITION_MS;
  const storage = table === 'results' ? '' : ` WITH (fillfactor = ${ROLLUP_PARTITION_FILLFACTOR})`;
  await sql(`CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS)${storage}`);
  await sql(`ALTER TABLE ${name} ADD CONSTRAINT ${name}_range CHECK (${key} >= ${from} AND ${key} < ${to})`);
  const fallback = defaultPartitionName(table);
  if ((await sql(`SELECT 1 FROM pg_class WHERE oid = to_regclass('${fallback}')`)).length > 0) {
    await sql(
      `WITH moved AS (DELETE FROM ${fallback} WHERE ${key} >= ${from} AND ${key} < ${to} RETURNING *)
       INSERT INTO ${name} SELECT * FROM moved`,
    );
  }
  await sql(`ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM (${from}) TO (${to})`);
  return true;
}

/** Creates the DEFAULT partition of `table` unless it exists. */
export async function createDefaultPartition(sql: Sql, table: PartitionedTable): Promise<void> {
  const storage = table === 'results' ? '' : ` WITH (fillfactor = ${ROLLUP_PARTITION_FILLFACTOR})`;
  await sql(`CREATE TABLE IF NOT EXISTS ${defaultPartitionName(table)} PARTITION OF ${table} DEFAULT${storage}`);
}

/**
 * Rows in a partition: the planner's estimate once the table was analysed (counting a day of
 * results would read all of it), else an exact count (a partition never analysed is young or small).
 */
export async function partitionRows(sql: Sql, name: string): Promise<number> {
  const [est] = await sql<{ n: number }>(`SELECT reltuples::bigint AS n FROM pg_class WHERE oid = to_regclass('${name}')`);
  if (est && Number(est.n) >= 0) return Number(est.n);
  const [counted] = await sql<{ n: number }>(`SELECT count(*)::bigint AS n FROM ${name}`);
  return Number(counted?.n ?? 0);
}
