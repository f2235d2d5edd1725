import type { Severity } from '@prophasis/protocol';
import { ForeignKeyConstraintError, QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../db/index.js';
import { pgQuery } from '../db/results-store.js';

/** Prefix of the result ids of synthetic `no_data` rows: `nodata:<hostId>:<pluginRowId>:<checkId>:<slot>`. */
export const NO_DATA_PREFIX = 'nodata:';

/** Id of the synthetic row for one slot; deterministic, so a late real result can delete it. */
export function noDataResultId(hostId: number, pluginRowId: number, checkRowId: number, slot: number): string {
  return `${NO_DATA_PREFIX}${hostId}:${pluginRowId}:${checkRowId}:${slot}`;
}

/** One result of a classification window. */
export interface WindowItem {
  /** measured_at, the window's order. */
  t: number;
  value: number | null;
  message: string | null;
  resultType: string;
}

/** A row of `current_states`. */
export interface StateRow {
  hostId: number;
  pluginRowId: number;
  severity: Severity;
  since: number;
  lastResultId: string | null;
}

/** Epoch ms, both ends included. */
export interface TimeWindow {
  from: number;
  to: number;
}

/**
 * `[from, to]` of `times`, or undefined for none. Lookups by result id pass it along: results is
 * partitioned by day on PostgreSQL (docs/storage.md, "Partitions"), and a lookup that names no
 * time probes the index of every partition — about 200 ms instead of 6 ms for 1,000 ids over a
 * month of partitions.
 */
export function windowOf(times: Iterable<number>): TimeWindow | undefined {
  let from = Infinity;
  let to = -Infinity;
  for (const t of times) {
    if (t < from) from = t;
    if (t > to) to = t;
  }
  return from <= to ? { from, to } : undefined;
}

/** A row of `state_transitions`; `pluginRowId` null for the host's own (worst-of) severity. */
export interface TransitionRow {
  hostId: number;
  pluginRowId: number | null;
  from: Severity;
  to: Severity;
  at: number;
  late: boolean;
}

/**
 * What the ingest and the state tracker read and write besides `insertBatch` (declared here,
 * by the consumer; {@link sequelizePipelineStore} implements it over the core's database).
 */
export interface PipelineStore {
  /**
   * Which of `ids` are already stored. `measured`, when given, bounds the measured times of the
   * rows looked for (inclusive): on PostgreSQL only the day partitions it spans are searched.
   */
  existingIds(ids: readonly string[], measured?: TimeWindow): Promise<Set<string>>;
  /** The newest `n` real (not no_data) results of each series, oldest first; keys `${hostId}:${pluginRowId}`. */
  loadWindows(series: readonly { hostId: number; pluginRowId: number }[], n: number): Promise<Map<string, WindowItem[]>>;
  /** Deletes the rows with these ids; `measured` bounds their measured times as for {@link existingIds}. */
  deleteResults(ids: readonly string[], measured?: TimeWindow): Promise<number>;
  loadStates(): Promise<StateRow[]>;
  /** Upserts current states and appends transitions, in one transaction. */
  persistStates(states: readonly StateRow[], transitions: readonly TransitionRow[]): Promise<void>;
}

const CHUNK = 500;
/** SQLSTATE of a foreign-key violation (PostgreSQL). */
const PG_FOREIGN_KEY_VIOLATION = '23503';

function ignoreForeignKey(err: unknown): void {
  if (!(err instanceof ForeignKeyConstraintError)) throw err;
}
const SERIES_CHUNK = 100;
// Ids per look-up statement on SQLite (bound parameters; SQLite allows 32,766).
const SQLITE_ID_CHUNK = 5_000;

/** `(($1,$2),($3,$4)…)`-style VALUES rows for Sequelize's `bind`: each `?` becomes the next `$n`. */
function rowsOf(count: number, row: readonly string[]): string {
  let n = 0;
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(`(${row.map((c) => (c === '?' ? `$${++n}` : c)).join(',')})`);
  return out.join(',');
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function sequelizePipelineStore(db: Database): PipelineStore {
  const { sequelize } = db;
  const select = <T extends object>(sql: string, replacements: unknown[]) => sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements });

  const postgres = db.dialect === 'postgres';

  /**
   * PostgreSQL: states and transitions in ONE statement (atomic on its own, one round trip), one
   * array parameter per column. A transition's `pluginRowId` is null for the host's own severity.
   */
  async function pgStates(states: readonly StateRow[], transitions: readonly TransitionRow[]): Promise<void> {
    await pgQuery(
      db,
      `WITH s AS (
         INSERT INTO current_states (host_id, plugin_id, severity, since, last_result_id)
         SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::bigint[], $5::text[])
         ON CONFLICT (host_id, plugin_id) DO UPDATE SET severity = excluded.severity, since = excluded.since, last_result_id = excluded.last_result_id),
       t AS (
         INSERT INTO state_transitions (host_id, plugin_id, service_id, from_state, to_state, at, late)
         SELECT h, p, NULL, f, t, a, l FROM unnest($6::int[], $7::int[], $8::text[], $9::text[], $10::bigint[], $11::boolean[]) AS u(h, p, f, t, a, l))
       SELECT 1`,
      [
        states.map((s) => s.hostId),
        states.map((s) => s.pluginRowId),
        states.map((s) => s.severity),
        states.map((s) => s.since),
        states.map((s) => s.lastResultId),
        transitions.map((t) => t.hostId),
        transitions.map((t) => t.pluginRowId),
        transitions.map((t) => t.from),
        transitions.map((t) => t.to),
        transitions.map((t) => t.at),
        transitions.map((t) => t.late),
      ],
    );
  }

  /** SQLite: multi-row statements with bound parameters, inside the caller's transaction. */
  async function writeStates(states: readonly StateRow[], transitions: readonly TransitionRow[], transaction: Transaction): Promise<void> {
    for (const part of chunks(states, CHUNK)) {
      await sequelize.query(
        `INSERT INTO current_states (host_id, plugin_id, severity, since, last_result_id) VALUES ${rowsOf(part.length, ['?', '?', '?', '?', '?'])}
         ON CONFLICT (host_id, plugin_id) DO UPDATE SET severity = excluded.severity, since = excluded.since, last_result_id = excluded.last_result_id`,
        { bind: part.flatMap((s) => [s.hostId, s.pluginRowId, s.severity, s.since, s.lastResultId]), transaction },
      );
    }
    for (const part of chunks(transitions, CHUNK)) {
      await sequelize.query(
        `INSERT INTO state_transitions (host_id, plugin_id, service_id, from_state, to_state, at, late) VALUES ${rowsOf(part.length, ['?', '?', 'NULL', '?', '?', '?', '?'])}`,
        { bind: part.flatMap((t) => [t.hostId, t.pluginRowId, t.from, t.to, t.at, t.late ? 1 : 0]), transaction },
      );
    }
  }

  return {
    async existingIds(ids, measured) {
      const found = new Set<string>();
      if (ids.length === 0) return found;
      if (postgres) {
        // One array parameter, one index probe per id (per partition the window spans): no
        // statement text that grows with the batch.
        const rows = measured
          ? await pgQuery<{ result_id: string }>(db, 'SELECT result_id FROM results WHERE result_id = ANY($1::text[]) AND measured_at BETWEEN $2 AND $3', [ids, measured.from, measured.to])
          : await pgQuery<{ result_id: string }>(db, 'SELECT result_id FROM results WHERE result_id = ANY($1::text[])', [ids]);
        for (const r of rows) found.add(r.result_id);
        return found;
      }
      // The same answer as PostgreSQL's (SQLite's unique result_id index makes the window free).
      const within = (n: number) => (measured ? ` AND measured_at BETWEEN $${n + 1} AND $${n + 2}` : '');
      const bounds = measured ? [measured.from, measured.to] : [];
      for (const part of chunks(ids, SQLITE_ID_CHUNK)) {
        const rows = await sequelize.query<{ result_id: string }>(`SELECT result_id FROM results WHERE result_id IN ${rowsOf(1, part.map(() => '?'))}${within(part.length)}`, {
          type: QueryTypes.SELECT,
          bind: [...part, ...bounds],
        });
        for (const r of rows) found.add(r.result_id);
      }
      return found;
    },

    async loadWindows(series, n) {
      const out = new Map<string, WindowItem[]>();
      for (const part of chunks(series, SERIES_CHUNK)) {
        const where = part.map(() => '(host_id = ? AND plugin_id = ?)').join(' OR ');
        const params: unknown[] = part.flatMap((s) => [s.hostId, s.pluginRowId]);
        // A window function reads at most n rows per series through the (host, plugin, measured_at) index.
        const rows = await select<{ host_id: number; plugin_id: number; measured_at: number; value: number | null; message: string | null; result_type: string }>(
          `SELECT host_id, plugin_id, measured_at, value, message, result_type FROM (
             SELECT host_id, plugin_id, measured_at, value, message, result_type,
                    ROW_NUMBER() OVER (PARTITION BY host_id, plugin_id ORDER BY measured_at DESC, id DESC) AS rn
             FROM results WHERE (${where}) AND result_id NOT LIKE '${NO_DATA_PREFIX}%') AS w
           WHERE rn <= ? ORDER BY host_id, plugin_id, measured_at`,
          [...params, n],
        );
        for (const r of rows) {
          const key = `${r.host_id}:${r.plugin_id}`;
          let list = out.get(key);
          if (!list) out.set(key, (list = []));
          list.push({ t: Number(r.measured_at), value: r.value === null ? null : Number(r.value), message: r.message, resultType: r.result_type });
        }
      }
      return out;
    },

    async deleteResults(ids, measured) {
      let total = 0;
      if (postgres) {
        const rows = measured
          ? await pgQuery<{ n: number }>(db, 'WITH d AS (DELETE FROM results WHERE result_id = ANY($1::text[]) AND measured_at BETWEEN $2 AND $3 RETURNING 1) SELECT count(*)::int AS n FROM d', [ids, measured.from, measured.to])
          : await pgQuery<{ n: number }>(db, 'WITH d AS (DELETE FROM results WHERE result_id = ANY($1::text[]) RETURNING 1) SELECT count(*)::int AS n FROM d', [ids]);
        return rows[0]?.n ?? 0;
      }
      const within = (n: number) => (measured ? ` AND measured_at BETWEEN $${n + 1} AND $${n + 2}` : '');
      const bounds = measured ? [measured.from, measured.to] : [];
      for (const part of chunks(ids, SQLITE_ID_CHUNK)) {
        // BULKDELETE: Sequelize's SQLite dialect then answers with the number of rows deleted.
        total += await sequelize.query(`DELETE FROM results WHERE result_id IN ${rowsOf(1, part.map(() => '?'))}${within(part.length)}`, {
          bind: [...part, ...bounds],
          type: QueryTypes.BULKDELETE,
        });
      }
      return total;
    },

    async loadStates() {
      const rows = await select<{ host_id: number; plugin_id: number; severity: Severity; since: number; last_result_id: string | null }>(
        'SELECT host_id, plugin_id, severity, since, last_result_id FROM current_states',
        [],
      );
      return rows.map((r) => ({ hostId: Number(r.host_id), pluginRowId: Number(r.plugin_id), severity: r.severity, since: Number(r.since), lastResultId: r.last_result_id }));
    },

    async persistStates(states, transitions) {
      if (states.length === 0 && transitions.length === 0) return;
      if (postgres) {
        try {
          await pgStates(states, transitions);
        } catch (err) {
          if ((err as { code?: string }).code !== PG_FOREIGN_KEY_VIOLATION) throw err;
          const ignore = (e: unknown) => {
            if ((e as { code?: string }).code !== PG_FOREIGN_KEY_VIOLATION) throw e;
          };
          for (const s of states) await pgStates([s], []).catch(ignore);
          for (const t of transitions) await pgStates([], [t]).catch(ignore);
        }
        return;
      }
      try {
        await sequelize.transaction((transaction) => writeStates(states, transitions, transaction));
      } catch (err) {
        if (!(err instanceof ForeignKeyConstraintError)) throw err;
        // A host or plugin was deleted while its rows waited: write row by row, dropping those.
        for (const s of states) await sequelize.transaction((tx) => writeStates([s], [], tx)).catch(ignoreForeignKey);
        for (const t of transitions) await sequelize.transaction((tx) => writeStates([], [t], tx)).catch(ignoreForeignKey);
      }
    },
  };
}
