import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** File name of the agent's local state (outbox, plan, counters) in its data directory. */
const AGENT_DB_FILE = 'agent.db';

/** Path of the agent's database in `dataDir`. */
export const agentDatabasePath = (dataDir: string): string => join(dataDir, AGENT_DB_FILE);

/**
 * Opens (creating if needed) the agent's SQLite database with Node's built-in `node:sqlite`.
 *
 * Durability (docs/outbox.md): `journal_mode=WAL` with `synchronous=FULL`. In WAL mode
 * `NORMAL` already survives the death of the process (`kill -9`): a committed transaction is in
 * the WAL file in the operating system's page cache, which outlives the process. It does not
 * survive a power cut or a kernel panic, which is exactly the failure a small site's server
 * meets. `FULL` fsyncs the WAL at every commit; the agent commits at most a few times a second
 * (one result per plugin run, one delete per acknowledged batch), so the price is negligible and
 * a result the outbox accepted is on stable storage. `path` may be `:memory:` (the simulator).
 */
export function openAgentDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  if (path !== ':memory:') {
    // The outbox holds measurements of this machine; nobody else needs to read them.
    chmodSync(path, 0o600);
    db.exec('PRAGMA journal_mode = WAL');
  }
  db.exec('PRAGMA synchronous = FULL');
  // A second process on the same data directory waits briefly instead of failing at once.
  db.exec('PRAGMA busy_timeout = 5000');
  return db;
}

/** Runs `fn` in one transaction (`BEGIN IMMEDIATE`), rolling back when it throws. */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const value = fn();
    db.exec('COMMIT');
    return value;
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
