import type { Logger, Result } from '@prophasis/protocol';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { transaction } from '../store/database.js';

/** One result waiting in the outbox. */
interface OutboxEntry {
  /** Insertion number; what {@link Outbox.ack} takes. */
  seq: number;
  /** `slot` for scheduled results, `measuredAt` for "Run now": the order results leave in. */
  sortTime: number;
  /** The result as JSON (stored once, sent as is). */
  json: string;
}

/** Where the drainer resumes: after this entry in (sortTime, seq) order. */
export interface OutboxCursor {
  sortTime: number;
  seq: number;
}

export interface OutboxCaps {
  maxResults: number;
  maxAgeMs: number;
}

/**
 * The durable outbox (docs/outbox.md): every result is written here, in one transaction,
 * before it is published, and leaves only when the broker acknowledged the message carrying it.
 */
export interface Outbox {
  /**
   * Stores results in one transaction (a duplicate id is stored once); returns how many were
   * new. `alsoInTransaction` runs inside the same transaction (the plan runner records the slot
   * it ran there, so "result stored" and "slot done" are one atomic fact).
   */
  append(results: readonly Result[], alsoInTransaction?: () => void): number;
  /** Up to `n` entries, oldest first, after `cursor` (from the start without one), at most `maxBytes` of JSON together. */
  peekBatch(n: number, cursor?: OutboxCursor, maxBytes?: number): OutboxEntry[];
  /** Deletes acknowledged entries. */
  ack(seqs: readonly number[]): void;
  /** Results waiting. */
  depth(): number;
  /** Applies the caps now (also done on every append); returns how many were dropped. */
  enforceCaps(): number;
  /** Changes the caps (from `config.set`); remembered across restarts. */
  setCaps(caps: Partial<OutboxCaps>): void;
  caps(): OutboxCaps;
  /** Results dropped by a cap and not yet reported to the core. Survives restarts. */
  droppedUnreported(): number;
  /** The core acknowledged an `agent.report` carrying `n` dropped results. */
  markDroppedReported(n: number): void;
  /** Called after every append that stored something (the drainer listens). */
  onAppend(listener: () => void): void;
}

export interface OutboxDeps {
  db: DatabaseSync;
  logger: Logger;
  now(): number;
}

/**
 * JSON of one result; what `peekBatch` measures. The envelope around up to 500 of these stays
 * under the protocol's 1 MiB message limit when their sum stays under this.
 */
const MAX_BATCH_JSON_BYTES = 900 * 1024;

/** Creates the outbox tables in `deps.db` if needed and opens the outbox. */
export function createOutbox(config: OutboxCaps, deps: OutboxDeps): Outbox {
  const { db } = deps;
  const logger = deps.logger.child({ component: 'outbox' });
  db.exec(`
    CREATE TABLE IF NOT EXISTS outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      result_id TEXT NOT NULL UNIQUE,
      sort_time INTEGER NOT NULL,
      json TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS outbox_order ON outbox (sort_time, seq);
    CREATE TABLE IF NOT EXISTS agent_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  `);
  const statements = {
    insert: db.prepare('INSERT OR IGNORE INTO outbox (result_id, sort_time, json) VALUES (?, ?, ?)'),
    peekFirst: db.prepare('SELECT seq, sort_time AS sortTime, json FROM outbox ORDER BY sort_time, seq LIMIT ?'),
    peekAfter: db.prepare('SELECT seq, sort_time AS sortTime, json FROM outbox WHERE (sort_time, seq) > (?, ?) ORDER BY sort_time, seq LIMIT ?'),
    remove: db.prepare('DELETE FROM outbox WHERE seq = ?'),
    count: db.prepare('SELECT COUNT(*) AS n FROM outbox'),
    // Oldest first, by the same order the results leave in.
    dropOldest: db.prepare('DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY sort_time, seq LIMIT ?)'),
    dropOlderThan: db.prepare('DELETE FROM outbox WHERE sort_time < ?'),
    getMeta: db.prepare('SELECT value FROM agent_meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO agent_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
  } satisfies Record<string, StatementSync>;

  const meta = (key: string): number | undefined => (statements.getMeta.get(key) as { value: number } | undefined)?.value;
  let count = Number((statements.count.get() as { n: number }).n);
  let caps: OutboxCaps = {
    maxResults: meta('outbox_max_results') ?? config.maxResults,
    maxAgeMs: meta('outbox_max_age_ms') ?? config.maxAgeMs,
  };
  const listeners: (() => void)[] = [];

  /** Inside a transaction: drops what is over a cap, oldest first, and counts it durably. */
  function dropOverCaps(): { byAge: number; bySize: number } {
    const byAge = Number(statements.dropOlderThan.run(deps.now() - caps.maxAgeMs).changes);
    count -= byAge;
    let bySize = 0;
    if (count > caps.maxResults) {
      bySize = Number(statements.dropOldest.run(count - caps.maxResults).changes);
      count -= bySize;
    }
    if (byAge + bySize > 0) statements.setMeta.run('dropped_unreported', (meta('dropped_unreported') ?? 0) + byAge + bySize);
    return { byAge, bySize };
  }

  function logDrops({ byAge, bySize }: { byAge: number; bySize: number }): number {
    if (byAge + bySize > 0) {
      // Never silent: logged here, reported to the core in the next agent.report.
      logger.warn({ droppedByAge: byAge, droppedBySize: bySize, ...caps, depth: count }, 'outbox cap reached: oldest results dropped');
    }
    return byAge + bySize;
  }

  if (count > 0) logger.info({ depth: count }, 'outbox opened with results waiting');
  logDrops(transaction(db, dropOverCaps));

  return {
    append(results, alsoInTransaction) {
      if (results.length === 0) return 0;
      let added = 0;
      const drops = transaction(db, () => {
        for (const r of results) {
          added += Number(statements.insert.run(r.id, r.slot ?? r.measuredAt, JSON.stringify(r)).changes);
        }
        count += added;
        alsoInTransaction?.();
        return dropOverCaps();
      });
      logDrops(drops);
      if (added > 0) for (const listener of listeners) listener();
      return added;
    },

    peekBatch(n, cursor, maxBytes = MAX_BATCH_JSON_BYTES) {
      const rows = (cursor ? statements.peekAfter.all(cursor.sortTime, cursor.seq, n) : statements.peekFirst.all(n)) as unknown as OutboxEntry[];
      let bytes = 0;
      const out: OutboxEntry[] = [];
      for (const row of rows) {
        bytes += Buffer.byteLength(row.json) + 1;
        if (out.length > 0 && bytes > maxBytes) break;
        out.push({ seq: Number(row.seq), sortTime: Number(row.sortTime), json: row.json });
      }
      return out;
    },

    ack(seqs) {
      if (seqs.length === 0) return;
      transaction(db, () => {
        for (const seq of seqs) count -= Number(statements.remove.run(seq).changes);
      });
    },

    depth: () => count,

    enforceCaps() {
      return logDrops(transaction(db, dropOverCaps));
    },

    setCaps(next) {
      caps = { ...caps, ...next };
      transaction(db, () => {
        statements.setMeta.run('outbox_max_results', caps.maxResults);
        statements.setMeta.run('outbox_max_age_ms', caps.maxAgeMs);
      });
      logger.info(caps, 'outbox caps changed');
      logDrops(transaction(db, dropOverCaps));
    },

    caps: () => ({ ...caps }),

    droppedUnreported: () => meta('dropped_unreported') ?? 0,

    markDroppedReported(n) {
      transaction(db, () => statements.setMeta.run('dropped_unreported', Math.max(0, (meta('dropped_unreported') ?? 0) - n)));
    },

    onAppend(listener) {
      listeners.push(listener);
    },
  };
}
