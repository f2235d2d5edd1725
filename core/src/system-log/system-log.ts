import type { Logger } from '@prophasis/protocol';
import type { Database } from '../db/index.js';
import type { SystemLog, SystemLogLevel } from '../kernel/index.js';

/** Settings of the persistent system log. */
export interface SystemLogConfig {
  /** Entries are written in batches at most this often. */
  flushIntervalMs: number; // 500 ms
  /** A batch is written at once when it reaches this many entries. */
  maxBatch: number; // 200 entries
  /** Entries kept in memory while the database is unavailable; the oldest go first (counted). */
  maxPending: number; // 10,000 entries
}

export const SYSTEM_LOG_DEFAULTS: SystemLogConfig = {
  flushIntervalMs: 500,
  maxBatch: 200,
  maxPending: 10_000,
};

export interface PersistentSystemLog extends SystemLog {
  start(): Promise<void>;
  /** Writes what is pending, then stops the timer. */
  stop(): Promise<void>;
  /** Writes what is pending now (tests, shutdown). */
  flush(): Promise<void>;
}

/**
 * The system log the console shows, stored in the `system_log` table. `write` never throws and
 * never waits: entries are buffered and written in batches (one multi-row INSERT), so a burst of
 * refusals from a misbehaving agent costs one statement, not one per line. Every entry also goes
 * to the pino log. If the database refuses a batch, the batch is kept for the next attempt and
 * the failure is logged; beyond `maxPending` the oldest entries are dropped and the drop is
 * itself recorded.
 */
export function createSystemLog(config: SystemLogConfig, deps: { db: Database; logger: Logger }): PersistentSystemLog {
  const log = deps.logger.child({ component: 'system-log' });
  type Row = { at: number; level: SystemLogLevel; component: string; message: string; context: Record<string, unknown> | null };
  let pending: Row[] = [];
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;

  async function writeBatch(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending.slice(0, config.maxBatch);
      try {
        await deps.db.models.SystemLog.bulkCreate(batch);
        pending = pending.slice(batch.length);
      } catch (err) {
        log.error({ err, pending: pending.length }, 'could not write the system log; will retry');
        return;
      }
    }
    if (dropped > 0) {
      const n = dropped;
      dropped = 0;
      pending.push({ at: Date.now(), level: 'warn', component: 'system-log', message: `${n} system-log entries were dropped while the database was unavailable`, context: { dropped: n } });
    }
  }

  function flush(): Promise<void> {
    flushing ??= writeBatch().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  return {
    write(level, component, message, context) {
      log[level]({ systemLog: true, logComponent: component, ...context }, message);
      pending.push({ at: Date.now(), level, component, message, context: context ?? null });
      if (pending.length > config.maxPending) {
        const excess = pending.length - config.maxPending;
        pending.splice(0, excess);
        dropped += excess;
      }
      if (pending.length >= config.maxBatch) void flush();
    },
    async start() {
      timer = setInterval(() => void flush(), config.flushIntervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
    },
    flush,
  };
}
