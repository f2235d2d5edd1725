import type { Logger } from '@prophasis/protocol';
import type { Database } from '../db/index.js';
import type { EventBus, SystemLog } from '../kernel/index.js';
import type { Transition } from './feed.js';
import type { Delivery } from './queue.js';
import { insertDeliveries } from './sequelize-store.js';
import { sequelizeTransitionLog, type TransitionCursor, type TransitionLog } from './transition-log.js';

export interface IntakeConfig {
  /** `state_transitions` is read at least this often (a `state.changed` event reads it at once). */
  pollIntervalMs: number;
  /** Rows read and turned into deliveries per transaction. */
  intakeBatchSize: number;
  /** PostgreSQL: a warning in the system log when committed transitions wait this long behind a running transaction. */
  intakeWaitWarnMs: number;
}

export interface IntakeDeps {
  db: Pick<Database, 'sequelize' | 'dialect'>;
  logger: Logger;
  systemLog: SystemLog;
  /** The deliveries a batch of transitions matches (not stored yet). */
  match(batch: readonly Transition[]): Promise<Delivery[]>;
  /** Hands deliveries, stored by the intake, to the delivery queue. */
  admit(deliveries: readonly Delivery[]): void;
  /** Its `state.changed` events wake the intake up (a hint: the table is the truth). */
  wake?: Pick<EventBus, 'on'>;
  now?: () => number;
}

export interface TransitionIntake {
  /** Opens the cursor (a fresh database: at the newest row), reads what is new, then polls and listens. */
  start(): Promise<void>;
  /** Stops polling and waits for the read in progress. */
  stop(): Promise<void>;
  /** Reads until nothing more can be read; resolves with the number of transitions taken. Starts a new read if one is running. */
  poll(): Promise<number>;
  /** Where the intake is. */
  cursor(): TransitionCursor | undefined;
}

/** Thrown inside the transaction when another reader moved the cursor: rolls it back. */
class CursorMoved extends Error {}

/**
 * The durable step from committed transitions to pending deliveries (docs/alerts.md, "Where
 * transitions come from"): reads `state_transitions` after its cursor, matches each batch, and
 * writes the batch's deliveries to `alert_deliveries` in the SAME transaction that moves the
 * cursor past the batch; only then hands them to the queue. A kill before that commit leaves the
 * cursor where it was (the batch is read again), a kill after it leaves the deliveries stored
 * (the queue resumes them): every transition becomes its deliveries exactly once.
 */
export function createTransitionIntake(config: IntakeConfig, deps: IntakeDeps): TransitionIntake {
  const log = deps.logger.child({ component: 'alerting' });
  const now = deps.now ?? Date.now;
  const transitions: TransitionLog = sequelizeTransitionLog(deps.db);
  const { sequelize } = deps.db;
  let cursor: TransitionCursor | undefined;
  let running: Promise<number> | undefined;
  let queued: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelayMs = 0;
  let waitingSince: number | undefined;
  let warnedWaiting = false;
  let failing: string | undefined;
  let woken = false;
  let stopped = true;
  let unsubscribe: (() => void) | undefined;

  /** Stores one page's deliveries and moves the cursor past it, in one transaction; then admits them. */
  async function take(page: Awaited<ReturnType<TransitionLog['readAfter']>>['rows']): Promise<number> {
    const from = cursor!;
    const to = page[page.length - 1]!.position;
    const batch = page.flatMap((r) => (r.transition ? [r.transition] : []));
    const deliveries = batch.length > 0 ? await deps.match(batch) : [];
    try {
      await sequelize.transaction(async (transaction) => {
        await insertDeliveries(sequelize, deliveries, transaction);
        if (!(await transitions.advance(from, to, now(), transaction))) throw new CursorMoved();
      });
    } catch (err) {
      if (!(err instanceof CursorMoved)) throw err;
      // Another core reads this database too: it has taken this batch; carry on from where it is.
      cursor = (await transitions.open(now())).cursor;
      log.warn({ from, stored: cursor }, 'the alert cursor was moved by another reader');
      deps.systemLog.write('warn', 'alerting', 'another core reads alerts from this database too; it had already taken the transitions this one read', { cursorId: cursor.id });
      return 0;
    }
    cursor = to;
    const unreadable = page.filter((r) => !r.transition).map((r) => r.position.id);
    if (unreadable.length > 0) {
      log.warn({ ids: unreadable }, 'transitions with unknown states skipped');
      deps.systemLog.write('warn', 'alerting', `${unreadable.length} transitions with states that are not severities were skipped`, { ids: unreadable.slice(0, 100) });
    }
    deps.admit(deliveries);
    return batch.length;
  }

  async function readAll(): Promise<number> {
    let total = 0;
    for (;;) {
      // Not before start, and not after stop (a read queued behind the last one).
      if (!cursor || stopped) return total;
      const { rows, waiting } = await transitions.readAfter(cursor, config.intakeBatchSize);
      noteWaiting(waiting);
      if (rows.length > 0) total += await take(rows);
      if (rows.length < config.intakeBatchSize) return total;
    }
  }

  /** PostgreSQL: committed rows wait behind an older running transaction; look again soon, warn when it lasts. */
  function noteWaiting(waiting: boolean): void {
    if (!waiting) {
      if (warnedWaiting) deps.systemLog.write('info', 'alerting', 'transitions no longer wait for a running transaction');
      waitingSince = undefined;
      warnedWaiting = false;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      retryDelayMs = 0;
      return;
    }
    waitingSince ??= now();
    if (!warnedWaiting && now() - waitingSince >= config.intakeWaitWarnMs) {
      warnedWaiting = true;
      const seconds = Math.round((now() - waitingSince) / 1000);
      log.warn({ seconds }, 'committed transitions wait for an older transaction that is still running');
      deps.systemLog.write('warn', 'alerting', `committed transitions have waited ${seconds} s for an older database transaction that is still running; they are alerted when it ends`, { seconds });
    }
    if (stopped || retryTimer) return;
    retryDelayMs = Math.min(config.pollIntervalMs, Math.max(50, retryDelayMs * 2));
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void poll();
    }, retryDelayMs);
    retryTimer.unref();
  }

  function poll(): Promise<number> {
    if (running) {
      // One more read after the running one (it may have started before the caller's commit).
      queued ??= running.then(() => {
        queued = undefined;
        return poll();
      });
      return queued;
    }
    running = readAll()
      .then((n) => {
        if (failing !== undefined) deps.systemLog.write('info', 'alerting', 'reading transitions works again');
        failing = undefined;
        return n;
      })
      .catch((err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        log.error({ err }, 'turning transitions into alert deliveries failed; will retry');
        // Once per kind of failure, not once per poll.
        if (failing !== reason) deps.systemLog.write('error', 'alerting', `turning transitions into alert deliveries failed (nothing is lost; retrying every poll): ${reason}`, { reason });
        failing = reason;
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  return {
    async start() {
      const opened = await transitions.open(now());
      cursor = opened.cursor;
      if (opened.reset) {
        deps.systemLog.write('warn', 'alerting', 'the alert cursor was ahead of the database server\'s transaction ids (restored into another PostgreSQL cluster?); alerting starts from the newest transition', { cursor: opened.cursor });
      }
      log.info({ cursor, created: opened.created }, opened.created ? 'alerting reads transitions from the newest one (fresh database)' : 'alerting resumes reading transitions');
      stopped = false;
      await poll();
      timer = setInterval(() => void poll(), config.pollIntervalMs);
      timer.unref();
      // Events of one synchronous run (one ingest batch) wake one read.
      unsubscribe = deps.wake?.on('state.changed', () => {
        if (woken || stopped) return;
        woken = true;
        setImmediate(() => {
          woken = false;
          if (!stopped) void poll();
        });
      });
    },
    async stop() {
      stopped = true;
      unsubscribe?.();
      unsubscribe = undefined;
      if (timer) clearInterval(timer);
      timer = undefined;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      await queued;
      await running;
    },
    poll,
    cursor: () => (cursor ? { ...cursor } : undefined),
  };
}
