import { isSeverity, type Severity } from '@prophasis/protocol';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../db/index.js';
import type { Transition } from './feed.js';

/*
 * `state_transitions` read in commit-safe order after a cursor kept in `alert_cursor`
 * (migration 0004-alert-cursor, docs/alerts.md "Where transitions come from").
 *
 * SQLite has one writer at a time (every write transaction takes the lock at BEGIN), and ids are
 * AUTOINCREMENT: a row becomes visible only after every row with a smaller id has committed or
 * rolled back, so the id alone is the cursor.
 *
 * PostgreSQL allocates ids from a sequence and concurrent transactions commit in any order: id 11
 * can be visible while id 10 is still being written. Rows carry `xact_id`, the id of the
 * transaction that wrote them, and are read in (xact_id, id) order, only below the horizon
 * (HORIZON): the oldest transaction that was running when the statement's snapshot was taken,
 * so every transaction with a smaller id has ended and no row can ever appear before a row read.
 * Rows above it are "waiting": committed, but a transaction older than theirs is still running.
 * Transactions that `pg_stat_activity` shows in another database of the cluster are left out of
 * the horizon (they cannot write this table; transaction ids are unique in a cluster, so a match
 * is certain); one it cannot place (another role's session without pg_read_all_stats, a prepared
 * transaction) counts, which only delays.
 */

/** The horizon, from the snapshot `snap` of the statement (an expression of type xid8). */
const HORIZON = `LEAST(pg_snapshot_xmax(snap), (
  SELECT MIN(x) FROM pg_snapshot_xip(snap) AS x
  WHERE x::xid NOT IN (SELECT backend_xid FROM pg_stat_activity WHERE datname <> current_database() AND backend_xid IS NOT NULL)))`;

/** Where the reader is: every row at or before it has been turned into deliveries. */
export interface TransitionCursor {
  id: number;
  /** PostgreSQL: the `xact_id` of that row (a decimal string; 64 bits); null on SQLite. */
  xactId: string | null;
}

/** One row read, at its position; `transition` is null for a row whose states are not severities. */
interface LoggedTransition {
  position: TransitionCursor;
  transition: Transition | null;
}

export interface TransitionLog {
  /**
   * The stored cursor. When there is none (a fresh database) it is created at the newest row, so
   * the history is not alerted. On PostgreSQL a cursor ahead of the server's transaction ids (a
   * database restored into another cluster) restarts at the newest row too: `reset` says so.
   */
  open(now: number): Promise<{ cursor: TransitionCursor; created: boolean; reset: boolean }>;
  /** Up to `limit` rows after `cursor` that can be read (in order); `waiting` when later committed rows must wait. */
  readAfter(cursor: TransitionCursor, limit: number): Promise<{ rows: LoggedTransition[]; waiting: boolean }>;
  /** Moves the cursor from `from` to `to` inside `transaction`; false (nothing written) when it was not at `from`. */
  advance(from: TransitionCursor, to: TransitionCursor, now: number, transaction: Transaction): Promise<boolean>;
}

/** The reader's row in `alert_cursor`. */
const NAME = 'state_transitions';

interface Row {
  id: number | string;
  host_id: number | string | null;
  service_id: number | string | null;
  plugin_id: number | string | null;
  from_state: string;
  to_state: string;
  at: number | string;
  late: unknown;
  xact_id?: string | null;
  settled?: unknown;
}

const truthy = (v: unknown) => v === true || v === 1 || v === '1' || v === 't';
const optionalId = (v: number | string | null) => (v == null ? null : Number(v));

function toTransition(r: Row): Transition | null {
  if (!isSeverity(r.from_state) || !isSeverity(r.to_state)) return null;
  return {
    id: Number(r.id),
    hostId: optionalId(r.host_id),
    serviceId: optionalId(r.service_id),
    pluginId: optionalId(r.plugin_id),
    from: r.from_state as Severity,
    to: r.to_state as Severity,
    at: Number(r.at),
    late: truthy(r.late),
  };
}

/** The log over an open, migrated core database. */
export function sequelizeTransitionLog(db: Pick<Database, 'sequelize' | 'dialect'>): TransitionLog {
  const { sequelize } = db;
  const postgres = db.dialect === 'postgres';
  const select = <T extends object>(sql: string, replacements: Record<string, unknown> = {}, transaction?: Transaction) =>
    sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements, ...(transaction ? { transaction } : {}) });
  const columns = 'id, host_id, service_id, plugin_id, from_state, to_state, at, late';

  /** The position of the newest row: everything up to it is history. */
  async function newest(transaction?: Transaction): Promise<TransitionCursor> {
    if (!postgres) {
      const [row] = await select<{ max: number | string | null }>('SELECT MAX(id) AS max FROM state_transitions', {}, transaction);
      return { id: Number(row?.max ?? 0), xactId: null };
    }
    // The newest row written; if the horizon is past it, the horizon (nothing before it can appear).
    const [row] = await select<{ xact_id: string; id: number | string }>(
      `WITH h AS (SELECT ${HORIZON} AS h FROM (SELECT pg_current_snapshot() AS snap) AS s),
            n AS (SELECT xact_id, id FROM state_transitions WHERE xact_id IS NOT NULL ORDER BY xact_id DESC, id DESC LIMIT 1)
       SELECT (CASE WHEN n.xact_id >= h.h THEN n.xact_id ELSE h.h END)::text AS xact_id, CASE WHEN n.xact_id >= h.h THEN n.id ELSE 0 END AS id
       FROM h LEFT JOIN n ON true`,
      {},
      transaction,
    );
    return { id: Number(row!.id), xactId: row!.xact_id };
  }

  async function stored(): Promise<TransitionCursor | undefined> {
    const [row] = await select<{ last_id: number | string; last_xact_id: number | string | null }>('SELECT last_id, last_xact_id FROM alert_cursor WHERE name = :name', { name: NAME });
    return row ? { id: Number(row.last_id), xactId: row.last_xact_id == null ? null : String(row.last_xact_id) } : undefined;
  }

  const write = (cursor: TransitionCursor, now: number, transaction?: Transaction) =>
    sequelize.query(
      postgres
        ? 'UPDATE alert_cursor SET last_id = :id, last_xact_id = CAST(:xactId AS bigint), updated_at = :now WHERE name = :name'
        : 'UPDATE alert_cursor SET last_id = :id, last_xact_id = NULL, updated_at = :now WHERE name = :name',
      { type: QueryTypes.UPDATE, replacements: { name: NAME, id: cursor.id, xactId: cursor.xactId, now }, ...(transaction ? { transaction } : {}) },
    );

  return {
    async open(now) {
      const existing = await stored();
      if (!existing) {
        const start = await newest();
        // Two cores starting at once: the first insert wins, both carry on from the stored row.
        await sequelize.query(
          `INSERT INTO alert_cursor (name, last_id, last_xact_id, updated_at) VALUES (:name, :id, ${postgres ? 'CAST(:xactId AS bigint)' : 'NULL'}, :now) ON CONFLICT (name) DO NOTHING`,
          { replacements: { name: NAME, id: start.id, xactId: start.xactId, now } },
        );
        return { cursor: (await stored())!, created: true, reset: false };
      }
      if (postgres && existing.xactId !== null) {
        const [row] = await select<{ ahead: unknown }>('SELECT CAST(:xactId AS xid8) > pg_snapshot_xmax(pg_current_snapshot()) AS ahead', { xactId: existing.xactId });
        if (truthy(row?.ahead)) {
          // Every row carries a transaction id of the other cluster (a restore copies the column):
          // history now, and some would one day look new. Forget them, start from the horizon.
          return sequelize.transaction(async (transaction) => {
            await sequelize.query('UPDATE state_transitions SET xact_id = NULL WHERE xact_id IS NOT NULL', { transaction });
            const start = await newest(transaction);
            await write(start, now, transaction);
            return { cursor: start, created: false, reset: true };
          });
        }
      }
      return { cursor: existing, created: false, reset: false };
    },

    async readAfter(cursor, limit) {
      if (!postgres) {
        const rows = await select<Row>(`SELECT ${columns} FROM state_transitions WHERE id > :id ORDER BY id LIMIT :limit`, { id: cursor.id, limit });
        return { rows: rows.map((r) => ({ position: { id: Number(r.id), xactId: null }, transition: toTransition(r) })), waiting: false };
      }
      // One statement, one snapshot: the horizon and the rows are seen at the same instant.
      const rows = await select<Row>(
        `WITH h AS (SELECT ${HORIZON} AS h FROM (SELECT pg_current_snapshot() AS snap) AS s)
         SELECT ${columns}, xact_id::text AS xact_id, xact_id < h.h AS settled
         FROM state_transitions, h
         WHERE (xact_id, id) > (CAST(:xactId AS xid8), :id)
         ORDER BY xact_id, id LIMIT :limit`,
        { xactId: cursor.xactId ?? '0', id: cursor.id, limit },
      );
      // Settled rows sort first (their transaction ids are the smaller ones).
      const settled = rows.filter((r) => truthy(r.settled));
      return {
        rows: settled.map((r) => ({ position: { id: Number(r.id), xactId: String(r.xact_id) }, transition: toTransition(r) })),
        waiting: settled.length < rows.length,
      };
    },

    async advance(from, to, now, transaction) {
      const [, changed] = (await sequelize.query(
        postgres
          ? `UPDATE alert_cursor SET last_id = :toId, last_xact_id = CAST(:toXact AS bigint), updated_at = :now
             WHERE name = :name AND last_id = :fromId AND last_xact_id = CAST(:fromXact AS bigint)`
          : 'UPDATE alert_cursor SET last_id = :toId, updated_at = :now WHERE name = :name AND last_id = :fromId',
        { type: QueryTypes.UPDATE, replacements: { name: NAME, toId: to.id, toXact: to.xactId, fromId: from.id, fromXact: from.xactId, now }, transaction },
      )) as unknown as [unknown, number];
      return changed === 1;
    },
  };
}
