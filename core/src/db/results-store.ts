import type { Logger, ResultType, Severity } from '@prophasis/protocol';
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { QueryTypes, type Transaction } from 'sequelize';
import { SQLITE_BUSY_TIMEOUT_MS, type Database } from './database.js';
import { readSettings } from './settings.js';

/** One result as the ingest hands it over; times are epoch ms. */
export interface ResultRow {
  resultId: string;
  hostId: number;
  pluginId: number;
  checkId: number | null;
  slotAt: number | null;
  measuredAt: number;
  receivedAt: number;
  value: number | null;
  message: string | null;
  resultType: ResultType;
  severity: Severity;
  late: boolean;
}

/** One point of a series: a raw value (count 1) or an aggregate of a bucket starting at `t`. */
interface SeriesPoint {
  t: number;
  avg: number;
  min: number;
  max: number;
  count: number;
}

type Resolution = 'raw' | 'minute' | 'hour';

interface Series {
  /** The table the points came from. */
  resolution: Resolution;
  /** Width of a point's bucket in ms; 0 for raw values. A multiple of the source's bucket. */
  bucketMs: number;
  points: SeriesPoint[];
}

/**
 * Rows that retention removes from one table: those whose `columns` are all below the cutoff.
 * Names are the caller's constants (the housekeeper's rules), never input.
 */
export interface ExpiryTarget {
  table: string;
  columns: readonly string[];
  /** How a chunk names its rows: the `id` column, or the physical row (rowid, ctid) of a table without one. */
  key: 'id' | 'row';
  /** An SQL condition over the table's columns: rows it holds for are kept however old they are. */
  keep?: string;
}

/** What the ingest, the reports and the housekeeping need from result storage. */
export interface ResultStore {
  /**
   * Stores a batch in one transaction: a set-based insert that ignores result ids already
   * stored (or repeated in the batch), then one upsert per rollup table for the new rows.
   * Resolves with the number of new results once committed.
   */
  insertBatch(rows: readonly ResultRow[]): Promise<number>;
  /**
   * The numeric values of one host × plugin in `[from, to)` with at most about `maxPoints`
   * points: raw values when there are at most `maxPoints` of them, else minute rollups when the
   * range spans at most 4 × `maxPoints` minutes, else hour rollups; rollups are merged into wider
   * buckets in SQL when there are more than `maxPoints`. Results without a value are not part
   * of a series.
   */
  querySeries(hostId: number, pluginId: number, from: number, to: number, maxPoints?: number): Promise<Series>;
  /**
   * Deletes the rows of `target` older than `cutoff` in chunks of at most `chunkRows`, one short
   * write transaction each (on SQLite queued with the batches on the store's one writer), yielding
   * to the event loop between chunks so ingest keeps going. Stops between chunks once `signal`
   * aborts. Resolves with the number of rows deleted.
   */
  deleteOlder(target: ExpiryTarget, cutoff: number, options?: { chunkRows?: number; signal?: AbortSignal }): Promise<number>;
  /** Releases the store's own SQLite write connection; call before `db.close()`. */
  close(): Promise<void>;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

// SQLite binds at most 32,766 parameters per statement (12 per result, 7 per rollup).
const SQLITE_RESULT_CHUNK = 1_000;
const SQLITE_ROLLUP_CHUNK = 2_000;
const RETENTION_CHUNK = 10_000;
const MINUTE_READ_FACTOR = 4;
// Page cache of the store's SQLite write connection: keeps the hot index pages in memory.
const SQLITE_CACHE_KIB = 64 * 1024;

const RESULT_COLUMNS =
  'result_id, host_id, plugin_id, check_id, slot_at, measured_at, received_at, value, message, result_type, severity, late';

interface SqliteConnection {
  exec(sql: string, cb: (err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
  configure(option: 'busyTimeout', value: number): void;
  all(sql: string, params: unknown[], cb: (err: Error | null, rows: unknown[]) => void): void;
  run(sql: string, params: unknown[], cb: (this: { changes: number }, err: Error | null) => void): void;
}
interface PgClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  query<T extends NodeJS.WritableStream>(stream: T): T;
}

/** The transaction's own connection, driven directly: the hot path skips Sequelize's query building. */
interface Raw {
  all<T>(sql: string, params: unknown[]): Promise<T[]>;
  run(sql: string, params: unknown[]): Promise<number>;
}

function sqliteRaw(c: SqliteConnection): Raw {
  return {
    all: <T>(sql: string, params: unknown[]) =>
      new Promise<T[]>((resolve, reject) => c.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T[])))),
    run: (sql, params) =>
      new Promise<number>((resolve, reject) =>
        c.run(sql, params, function (err) {
          if (err) reject(err);
          else resolve(this.changes);
        }),
      ),
  };
}

function pgRaw(transaction: Transaction): Raw {
  const c = (transaction as unknown as { connection: PgClient }).connection;
  return {
    all: async <T>(sql: string, params: unknown[]) => (await c.query(toPg(sql), params)).rows as T[],
    run: async (sql, params) => (await c.query(toPg(sql), params)).rowCount ?? 0,
  };
}

/**
 * Runs one PostgreSQL statement (`$n` placeholders) on a pooled connection driven directly, outside
 * any transaction (a single statement is atomic on its own). For the hot path, where Sequelize's
 * query layer costs more than the statement. Errors are the driver's (`code` is the SQLSTATE).
 */
export async function pgQuery<T>(db: Database, sql: string, params: unknown[]): Promise<T[]> {
  const manager = db.sequelize.connectionManager as unknown as { getConnection(o: object): Promise<PgClient>; releaseConnection(c: PgClient): Promise<void> };
  const c = await manager.getConnection({ type: 'write' });
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await manager.releaseConnection(c);
  }
}

/** Runs `work` on a pooled PostgreSQL connection driven directly (the pg client), then releases it. */
async function withPgClient<T>(db: Database, work: (c: PgClient) => Promise<T>): Promise<T> {
  const manager = db.sequelize.connectionManager as unknown as { getConnection(o: object): Promise<PgClient>; releaseConnection(c: PgClient): Promise<void> };
  const c = await manager.getConnection({ type: 'write' });
  try {
    return await work(c);
  } finally {
    await manager.releaseConnection(c);
  }
}

/**
 * One field of PostgreSQL's COPY text format: `\N` for null, else the text with backslash,
 * tab, newline and carriage return escaped (https://www.postgresql.org/docs/current/sql-copy.html).
 */
function copyText(v: string | null): string {
  if (v === null) return '\\N';
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r')) : v;
}
const copyNumber = (v: number | null): string => (v === null || !Number.isFinite(v) ? '\\N' : String(v));

/** `?` placeholders (never inside literals in this file) → PostgreSQL's `$1, $2 …`. */
function toPg(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

interface Aggregate {
  hostId: number;
  pluginId: number;
  bucketStart: number;
  min: number;
  max: number;
  sum: number;
  count: number;
}

/** Aggregates the values of `rows` per host × plugin × bucket, sorted so concurrent upserts lock rows in one order. */
function aggregate(rows: readonly ResultRow[], bucketMs: number): Aggregate[] {
  const map = new Map<string, Aggregate>();
  for (const r of rows) {
    if (r.value == null || !Number.isFinite(r.value)) continue;
    const bucketStart = Math.floor(r.measuredAt / bucketMs) * bucketMs;
    const key = `${r.hostId}:${r.pluginId}:${bucketStart}`;
    const a = map.get(key);
    if (a) {
      a.min = Math.min(a.min, r.value);
      a.max = Math.max(a.max, r.value);
      a.sum += r.value;
      a.count += 1;
    } else {
      map.set(key, { hostId: r.hostId, pluginId: r.pluginId, bucketStart, min: r.value, max: r.value, sum: r.value, count: 1 });
    }
  }
  return [...map.values()].sort((a, b) => a.hostId - b.hostId || a.pluginId - b.pluginId || a.bucketStart - b.bucketStart);
}

/**
 * Creates the result store over `db` (docs/storage.md, "Batching" and "Rollups"). The store
 * keeps no state of its own, so several may share a database.
 */
export function createResultStore(
  db: Database,
  deps: {
    logger: Logger;
    /** Test seam: runs inside a PostgreSQL batch's transaction after its COPY, before the insert and commit. */
    afterCopy?: () => Promise<void>;
  },
): ResultStore {
  const logger = deps.logger.child({ component: 'results-store' });
  const sqlite = db.dialect === 'sqlite';

  /** SQLite: multi-row INSERTs of up to SQLITE_RESULT_CHUNK rows; returns the ids that were new. */
  async function insertResults(raw: Raw, rows: readonly ResultRow[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (let i = 0; i < rows.length; i += SQLITE_RESULT_CHUNK) {
      const chunk = rows.slice(i, i + SQLITE_RESULT_CHUNK);
      const params: unknown[] = [];
      for (const r of chunk) {
        params.push(r.resultId, r.hostId, r.pluginId, r.checkId, r.slotAt, r.measuredAt, r.receivedAt, r.value, r.message, r.resultType, r.severity, r.late ? 1 : 0);
      }
      const values = chunk.map(() => '(?,?,?,?,?,?,?,?,?,?,?,?)').join(',');
      const returned = await raw.all<{ result_id: string }>(
        `INSERT INTO results (${RESULT_COLUMNS}) VALUES ${values} ON CONFLICT (result_id) DO NOTHING RETURNING result_id`,
        params,
      );
      for (const r of returned) inserted.add(r.result_id);
    }
    return inserted;
  }

  /** SQLite: one upsert per chunk of aggregates (PostgreSQL does this inside {@link insertBatchPg}). */
  async function upsertRollups(raw: Raw, table: 'rollups_minute' | 'rollups_hour', aggregates: readonly Aggregate[]): Promise<void> {
    const columns = 'host_id, plugin_id, bucket_start, value_min, value_max, value_sum, value_count';
    for (let i = 0; i < aggregates.length; i += SQLITE_ROLLUP_CHUNK) {
      const chunk = aggregates.slice(i, i + SQLITE_ROLLUP_CHUNK);
      const params: unknown[] = [];
      for (const a of chunk) params.push(a.hostId, a.pluginId, a.bucketStart, a.min, a.max, a.sum, a.count);
      await raw.run(
        `INSERT INTO ${table} (${columns}) VALUES ${chunk.map(() => '(?,?,?,?,?,?,?)').join(',')}
         ON CONFLICT (host_id, plugin_id, bucket_start) DO UPDATE SET
           value_min = min(${table}.value_min, excluded.value_min),
           value_max = max(${table}.value_max, excluded.value_max),
           value_sum = ${table}.value_sum + excluded.value_sum,
           value_count = ${table}.value_count + excluded.value_count`,
        params,
      );
    }
  }

  async function select<T extends object>(sql: string, replacements: unknown[]): Promise<T[]> {
    return db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements });
  }

  async function deleteOlder(target: ExpiryTarget, cutoff: number, options: { chunkRows?: number; signal?: AbortSignal } = {}): Promise<number> {
    // Chunks keep each write transaction short: on SQLite one huge DELETE would hold the only
    // write lock for as long as it takes, and ingest would wait behind it. (On PostgreSQL `ctid`
    // names a row only within one table: never use 'row' on a partitioned parent.)
    const chunk = Math.max(1, Math.floor(options.chunkRows ?? RETENTION_CHUNK));
    const key = target.key === 'id' ? 'id' : sqlite ? 'rowid' : 'ctid';
    const where = target.columns.map((c) => `${c} < ?`).join(' AND ') + (target.keep ? ` AND NOT (${target.keep})` : '');
    const sql = `DELETE FROM ${target.table} WHERE ${key} IN (SELECT ${key} FROM ${target.table} WHERE ${where} LIMIT ${chunk})`;
    const params = target.columns.map(() => cutoff);
    let total = 0;
    for (;;) {
      if (options.signal?.aborted) return total;
      const deleted = await withWrite((raw) => raw.run(sql, params));
      total += deleted;
      if (deleted < chunk) return total;
      await setImmediate();
    }
  }

  /**
   * PostgreSQL (docs/pipeline.md, "Storing"): in one transaction, the batch is streamed with COPY
   * (pg-copy-streams, text format: one buffer, no per-value parameter encoding) into a temporary
   * staging table of the connection, then ONE statement moves it into `results` and the rollups:
   * data-modifying CTEs run in one snapshot; `ON CONFLICT DO NOTHING` skips result ids already
   * stored, and the rollups aggregate exactly the rows the insert returned (the new ones), once
   * per series and bucket, sorted so concurrent batches lock rollup rows in the same order. The
   * conflict target is `(result_id, measured_at)`: on the partitioned table a unique index must
   * contain the partition key (migration 0005), and a resent result carries the measured_at of
   * its first send. A failure anywhere before COMMIT (the connection lost after the COPY
   * included) rolls everything back: the agent's resend stores the batch once.
   */
  async function insertBatchPg(rows: readonly ResultRow[]): Promise<number> {
    const rollup = (table: string, bucketMs: number) => `${table} AS (
         INSERT INTO ${table} (host_id, plugin_id, bucket_start, value_min, value_max, value_sum, value_count)
         SELECT host_id, plugin_id, (measured_at / ${bucketMs}) * ${bucketMs}, min(value), max(value), sum(value), count(*)
         FROM ins WHERE value IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
         ON CONFLICT (host_id, plugin_id, bucket_start) DO UPDATE SET
           value_min = LEAST(${table}.value_min, excluded.value_min),
           value_max = GREATEST(${table}.value_max, excluded.value_max),
           value_sum = ${table}.value_sum + excluded.value_sum,
           value_count = ${table}.value_count + excluded.value_count)`;
    const move = `WITH ins AS (
         INSERT INTO results (${RESULT_COLUMNS}) SELECT ${RESULT_COLUMNS} FROM results_incoming
         ON CONFLICT (result_id, measured_at) DO NOTHING RETURNING host_id, plugin_id, measured_at, value),
       ${rollup('rollups_minute', MINUTE_MS)},
       ${rollup('rollups_hour', HOUR_MS)}
       SELECT count(*)::int AS n FROM ins`;
    let text = '';
    for (const r of rows) {
      text += `${copyText(r.resultId)}\t${copyNumber(r.hostId)}\t${copyNumber(r.pluginId)}\t${copyNumber(r.checkId)}\t${copyNumber(r.slotAt)}\t${copyNumber(r.measuredAt)}\t${copyNumber(r.receivedAt)}\t${copyNumber(r.value)}\t${copyText(r.message)}\t${copyText(r.resultType)}\t${copyText(r.severity)}\t${r.late ? 't' : 'f'}\n`;
    }
    return withPgClient(db, async (c) => {
      // One round trip: the staging table is the connection's own, kept for its life and emptied
      // at each commit or rollback; asked for in every transaction (a no-op once it exists), so a
      // pooler that hands out another server connection cannot leave a batch without one.
      try {
        await c.query(
          `BEGIN; CREATE TEMPORARY TABLE IF NOT EXISTS results_incoming (result_id text, host_id int, plugin_id int, check_id int,
           slot_at bigint, measured_at bigint, received_at bigint, value float8, message text, result_type text, severity text,
           late boolean) ON COMMIT DELETE ROWS`,
        );
        await pipeline(Readable.from([Buffer.from(text)]), c.query(copyFrom(`COPY results_incoming (${RESULT_COLUMNS}) FROM STDIN`)));
        await deps.afterCopy?.();
        const out = await c.query(move);
        await c.query('COMMIT');
        return (out.rows[0] as { n: number } | undefined)?.n ?? 0;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  async function insertBatchNow(rows: readonly ResultRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const seen = new Set<string>();
    const unique = rows.filter((r) => !seen.has(r.resultId) && seen.add(r.resultId));
    if (!sqlite) {
      const n = await insertBatchPg(unique);
      if (n < rows.length) logger.debug({ received: rows.length, stored: n }, 'duplicate result ids ignored');
      return n;
    }
    return withWrite(async (raw) => {
      const inserted = await insertResults(raw, unique);
      const fresh = inserted.size === unique.length ? unique : unique.filter((r) => inserted.has(r.resultId));
      await upsertRollups(raw, 'rollups_minute', aggregate(fresh, MINUTE_MS));
      await upsertRollups(raw, 'rollups_hour', aggregate(fresh, HOUR_MS));
      if (inserted.size < rows.length) {
        logger.debug({ received: rows.length, stored: inserted.size }, 'duplicate result ids ignored');
      }
      return inserted.size;
    });
  }

  // SQLite: the store writes through ONE long-lived connection of its own, in the database's
  // write gate (write-gate.ts) with every other write of the core. Sequelize would open a fresh
  // connection per transaction, whose page cache starts cold every batch (random result ids
  // touch index pages all over the file).
  let writer: Promise<SqliteConnection> | undefined;
  let last: Promise<unknown> = Promise.resolve();
  const exec = (c: SqliteConnection, sql: string): Promise<void> =>
    new Promise((resolve, reject) => c.exec(sql, (err) => (err ? reject(err) : resolve())));
  const openWriter = async (): Promise<SqliteConnection> => {
    const sqlite3 = createRequire(import.meta.url)('sqlite3') as {
      Database: new (path: string, mode: number, cb: (err: Error | null) => void) => SqliteConnection;
      OPEN_READWRITE: number;
    };
    // The file Sequelize opened (its typings do not declare `options`).
    const path = (db.sequelize as unknown as { options: { storage: string } }).options.storage;
    const c = await new Promise<SqliteConnection>((resolve, reject) => {
      const handle = new sqlite3.Database(path, sqlite3.OPEN_READWRITE, (err) => (err ? reject(err) : resolve(handle)));
    });
    c.configure('busyTimeout', SQLITE_BUSY_TIMEOUT_MS);
    await exec(c, `PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-${SQLITE_CACHE_KIB}`);
    return c;
  };
  function withWrite<T>(work: (raw: Raw) => Promise<T>): Promise<T> {
    if (!sqlite) return db.sequelize.transaction((transaction) => work(pgRaw(transaction)));
    const run = async (): Promise<T> => {
      // A failed open is not cached: the next batch tries again.
      writer ??= openWriter().catch((err: unknown) => {
        writer = undefined;
        throw err;
      });
      const c = await writer;
      await exec(c, 'BEGIN IMMEDIATE');
      try {
        const out = await work(sqliteRaw(c));
        await exec(c, 'COMMIT');
        return out;
      } catch (err) {
        await exec(c, 'ROLLBACK').catch(() => {});
        throw err;
      }
    };
    const next = db.writes.run(run);
    last = next.catch(() => {});
    return next;
  }

  return {
    insertBatch: insertBatchNow,

    async close() {
      const w = writer;
      writer = undefined;
      if (!w) return;
      await last;
      const c = await w;
      await new Promise<void>((resolve, reject) => c.close((err) => (err ? reject(err) : resolve())));
    },


    async querySeries(hostId, pluginId, from, to, maxPoints = 1_000) {
      const limit = Math.max(1, Math.floor(maxPoints));
      const span = Math.max(0, to - from);
      const settings = await readSettings(db);
      const now = Date.now();
      const rawComplete = from >= now - settings.retentionRawDays * DAY_MS;
      const minuteComplete = from >= now - settings.retentionMinuteDays * DAY_MS;

      if (rawComplete) {
        // Stops reading at limit + 1 rows, so deciding costs little even over a long range.
        const [probe] = await select<{ n: number }>(
          `SELECT count(*) AS n FROM (SELECT 1 FROM results WHERE host_id = ? AND plugin_id = ? AND measured_at >= ? AND measured_at < ?
           AND value IS NOT NULL LIMIT ?) AS s`,
          [hostId, pluginId, from, to, limit + 1],
        );
        if (Number(probe?.n ?? 0) <= limit) {
          const rows = await select<{ t: number; v: number }>(
            `SELECT measured_at AS t, value AS v FROM results WHERE host_id = ? AND plugin_id = ? AND measured_at >= ? AND measured_at < ?
             AND value IS NOT NULL ORDER BY measured_at`,
            [hostId, pluginId, from, to],
          );
          return {
            resolution: 'raw',
            bucketMs: 0,
            points: rows.map((r) => ({ t: Number(r.t), avg: r.v, min: r.v, max: r.v, count: 1 })),
          };
        }
      }

      const wanted = Math.ceil(span / limit);
      // Minute rollups while they cost at most MINUTE_READ_FACTOR × maxPoints rows to read
      // (merged into wider buckets in SQL); beyond that hour rollups, so a 30-day graph reads
      // 720 rows, not 43,200.
      const useMinute = minuteComplete && span / MINUTE_MS <= MINUTE_READ_FACTOR * limit;
      const source = useMinute ? MINUTE_MS : HOUR_MS;
      const bucketMs = Math.max(source, Math.ceil(wanted / source) * source);
      const table = useMinute ? 'rollups_minute' : 'rollups_hour';
      // Align the range to whole source buckets so a partial first bucket is included.
      const first = Math.floor(from / source) * source;
      const rows = await select<{ t: number; mn: number; mx: number; s: number; c: number }>(
        bucketMs === source
          ? `SELECT bucket_start AS t, value_min AS mn, value_max AS mx, value_sum AS s, value_count AS c FROM ${table}
             WHERE host_id = ? AND plugin_id = ? AND bucket_start >= ? AND bucket_start < ? ORDER BY bucket_start`
          : `SELECT (bucket_start / ${bucketMs}) * ${bucketMs} AS t, min(value_min) AS mn, max(value_max) AS mx,
                    sum(value_sum) AS s, sum(value_count) AS c FROM ${table}
             WHERE host_id = ? AND plugin_id = ? AND bucket_start >= ? AND bucket_start < ? GROUP BY 1 ORDER BY 1`,
        [hostId, pluginId, first, to],
      );
      return {
        resolution: useMinute ? 'minute' : 'hour',
        bucketMs,
        points: rows.map((r) => {
          const count = Number(r.c);
          return { t: Number(r.t), avg: Number(r.s) / count, min: Number(r.mn), max: Number(r.mx), count };
        }),
      };
    },

    deleteOlder,
  };
}
