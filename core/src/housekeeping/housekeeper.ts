import type { HousekeepingRun, HousekeepingStatus, Logger } from '@prophasis/protocol';
import {
  createDayPartition,
  dayStart,
  defaultPartitionName,
  isPartitioned,
  listPartitions,
  partitionRows,
  readSettings,
  sqlIn,
  PARTITION_MS,
  PARTITIONED_TABLES,
  type Database,
  type PartitionedTable,
  type ResultStore,
  type Settings,
  type Sql,
} from '../db/index.js';
import { systemClock, type Clock, type SystemLog } from '../kernel/index.js';
import type { HousekeepingConfig } from './config.js';
import { RETENTION_RULES, type RetentionRule } from './rules.js';
import { tableSizes } from './sizes.js';

/** The settings row that keeps the last run, so the console shows it across restarts. */
const LAST_RUN_KEY = 'housekeeping.lastRun';
const DAY_MS = 86_400_000;
// Arbitrary constant: two housekeepers on one PostgreSQL database do not create the same partition twice.
const PG_PARTITION_LOCK = 4_227_118;

export interface HousekeeperDeps {
  db: Database;
  /** The chunked deletes go through the result store, on SQLite queued with the ingest's batches. */
  store: Pick<ResultStore, 'deleteOlder'>;
  systemLog: SystemLog;
  logger: Logger;
  clock?: Clock;
}

export interface Housekeeper {
  /** Makes the partitions ahead (PostgreSQL) at once, then runs after `firstRunDelayMs` and every `intervalMs`. */
  start(): Promise<void>;
  /** Stops the schedule; a run in progress stops after its current chunk and is awaited. */
  stop(): Promise<void>;
  /** Runs now, or joins the run in progress. */
  run(trigger?: HousekeepingRun['trigger']): Promise<HousekeepingRun>;
  /** Table sizes, the last run and the next one (GET /api/housekeeping). */
  status(): Promise<HousekeepingStatus>;
  /** The last run, as kept in the database (cheap: no table sizes). */
  lastRun(): Promise<HousekeepingRun | null>;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Housekeeping (docs/storage.md, "Retention and housekeeping"): every growing table is trimmed
 * to its retention setting on a schedule. On SQLite, and for the tables that are not
 * partitioned, rows go in chunks of `chunkRows`, one short transaction each; on PostgreSQL the
 * results and rollups drop whole day partitions once all of the day is older than the setting,
 * keep `partitionsAheadDays` partitions ready, and trim their DEFAULT partition in chunks. A
 * table that fails does not stop the others; each run writes one system-log line and is kept
 * as the last run.
 */
export function createHousekeeper(config: HousekeepingConfig, deps: HousekeeperDeps): Housekeeper {
  const { db, store, systemLog } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.logger.child({ component: 'housekeeping' });
  const pg = db.dialect === 'postgres';
  let current: Promise<HousekeepingRun> | undefined;
  let timer: unknown;
  let nextRunAt: number | null = null;
  let stopped = true;
  let abort = new AbortController();

  /** One DDL step in its own short transaction, waiting at most `lockTimeoutMs` for locks. */
  function ddl<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    return db.sequelize.transaction(async (transaction) => {
      const sql = sqlIn(db.sequelize, transaction);
      await sql(`SET LOCAL lock_timeout = ${config.lockTimeoutMs}`);
      await sql(`SELECT pg_advisory_xact_lock(${PG_PARTITION_LOCK})`);
      return work(sql);
    });
  }

  const partitioned = async (table: PartitionedTable): Promise<boolean> => ddl((sql) => isPartitioned(sql, table));

  /**
   * Partitions for today and `partitionsAheadDays` after it, and for every day within retention
   * whose rows sit in the DEFAULT partition (moved out, so it stays small). Returns how many were made.
   */
  async function createAhead(now: number, settings: Settings): Promise<number> {
    let created = 0;
    for (const rule of RETENTION_RULES) {
      const table = rule.partitioned;
      if (!table || !(await partitioned(table))) continue;
      const today = dayStart(now);
      const newest = today + config.partitionsAheadDays * PARTITION_MS;
      const oldest = dayStart(cutoffOf(rule, settings, now));
      const key = PARTITIONED_TABLES[table];
      const days = new Set<number>();
      for (let d = today; d <= newest; d += PARTITION_MS) days.add(d);
      const stray = await ddl((sql) =>
        sql<{ day: number }>(
          `SELECT DISTINCT (${key} / ${PARTITION_MS}) * ${PARTITION_MS} AS day FROM ${defaultPartitionName(table)}
           WHERE ${key} >= ${oldest} AND ${key} < ${newest + PARTITION_MS}`,
        ),
      );
      for (const r of stray) days.add(Number(r.day));
      for (const day of [...days].sort((a, b) => a - b)) {
        if (await ddl((sql) => createDayPartition(sql, table, day))) created++;
      }
    }
    return created;
  }

  /** Drops the partitions of `table` that end at or before `cutoff`; rows counted as estimated. */
  async function dropExpired(table: PartitionedTable, cutoff: number): Promise<{ rows: number; partitions: number }> {
    const expired = (await ddl((sql) => listPartitions(sql, table))).filter((p) => p.to <= cutoff);
    let rows = 0;
    for (const p of expired) {
      if (abort.signal.aborted) break;
      rows += await ddl(async (sql) => {
        const n = await partitionRows(sql, p.name);
        // Locks the parent briefly (ACCESS EXCLUSIVE); lock_timeout bounds how long INSERTs queue behind it.
        await sql(`DROP TABLE ${p.name}`);
        return n;
      });
    }
    return { rows, partitions: expired.length };
  }

  const cutoffOf = (rule: RetentionRule, settings: Settings, now: number): number => (rule.setting ? now - settings[rule.setting] * DAY_MS : now);

  async function trim(rule: RetentionRule, settings: Settings, now: number): Promise<HousekeepingRun['removed'][number]> {
    const cutoff = cutoffOf(rule, settings, now);
    const options = { chunkRows: config.chunkRows, signal: abort.signal };
    if (pg && rule.partitioned && (await partitioned(rule.partitioned))) {
      const dropped = await dropExpired(rule.partitioned, cutoff);
      const stray = await store.deleteOlder({ table: defaultPartitionName(rule.partitioned), columns: rule.columns, key: 'row' }, cutoff, options);
      return { table: rule.table, rows: dropped.rows + stray, partitionsDropped: dropped.partitions };
    }
    const keep = rule.keep?.[db.dialect];
    const rows = await store.deleteOlder({ table: rule.table, columns: rule.columns, key: rule.key, ...(keep ? { keep } : {}) }, cutoff, options);
    return { table: rule.table, rows, partitionsDropped: 0 };
  }

  async function runOnce(trigger: HousekeepingRun['trigger']): Promise<HousekeepingRun> {
    const startedAt = clock.now();
    const t0 = performance.now();
    const removed: HousekeepingRun['removed'] = [];
    const errors: HousekeepingRun['errors'] = [];
    let partitionsCreated = 0;
    let settings: Settings | undefined;
    try {
      settings = await readSettings(db);
    } catch (err) {
      errors.push({ table: 'settings', message: messageOf(err) });
    }
    if (settings) {
      if (pg) {
        try {
          partitionsCreated = await createAhead(startedAt, settings);
        } catch (err) {
          errors.push({ table: 'partitions', message: messageOf(err) });
        }
      }
      for (const rule of RETENTION_RULES) {
        if (abort.signal.aborted) break;
        try {
          removed.push(await trim(rule, settings, startedAt));
        } catch (err) {
          log.error({ err, table: rule.table }, 'retention failed for a table');
          errors.push({ table: rule.table, message: messageOf(err) });
        }
      }
    }
    const run: HousekeepingRun = { startedAt, durationMs: Math.round(performance.now() - t0), trigger, removed, partitionsCreated, errors };
    await db.models.Setting.upsert({ key: LAST_RUN_KEY, value: run, updatedAt: clock.now() }).catch((err: unknown) => log.error({ err }, 'recording the housekeeping run failed'));
    const total = removed.reduce((n, r) => n + r.rows, 0);
    const parts = removed.filter((r) => r.rows > 0).map((r) => `${r.table} ${r.rows}`);
    const seconds = (run.durationMs / 1000).toFixed(1);
    systemLog.write(
      errors.length > 0 ? 'warn' : 'info',
      'housekeeping',
      `housekeeping removed ${total} rows${parts.length ? ` (${parts.join(', ')})` : ''}` +
        `${partitionsCreated ? `, created ${partitionsCreated} partitions` : ''} in ${seconds} s` +
        `${errors.length ? `; failed: ${errors.map((e) => `${e.table}: ${e.message}`).join('; ')}` : ''}`,
      { ...run },
    );
    return run;
  }

  function run(trigger: HousekeepingRun['trigger'] = 'manual'): Promise<HousekeepingRun> {
    current ??= runOnce(trigger).finally(() => {
      current = undefined;
    });
    return current;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    nextRunAt = clock.now() + delayMs;
    timer = clock.setTimeout(() => {
      timer = undefined;
      nextRunAt = null;
      void run('schedule')
        .catch((err: unknown) => log.error({ err }, 'housekeeping run failed'))
        .finally(() => schedule(config.intervalMs));
    }, delayMs);
  }

  async function lastRun(): Promise<HousekeepingRun | null> {
    const row = await db.models.Setting.findByPk(LAST_RUN_KEY);
    return (row?.value as HousekeepingRun | undefined) ?? null;
  }

  return {
    async start() {
      if (!stopped) return;
      stopped = false;
      abort = new AbortController();
      if (pg) {
        // Today's partition must exist before results arrive; a failure is logged, the schedule retries.
        await readSettings(db)
          .then((settings) => createAhead(clock.now(), settings))
          .catch((err: unknown) => log.error({ err }, 'creating partitions ahead failed'));
      }
      schedule(config.firstRunDelayMs);
    },

    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      nextRunAt = null;
      abort.abort();
      await current?.catch(() => {});
    },

    run,

    async status() {
      const sizes = await tableSizes(
        db,
        RETENTION_RULES.map((r) => ({ table: r.table, retentionSetting: r.setting })),
      );
      return { dialect: db.dialect, ...sizes, lastRun: await lastRun(), running: current !== undefined, nextRunAt, intervalMs: config.intervalMs };
    },

    lastRun,
  };
}
