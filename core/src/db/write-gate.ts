import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One writer at a time, in this process (docs/storage.md, "SQLite: one writer").
 *
 * SQLite lets one connection write at a time; the others wait in SQLite's busy handler, which
 * sleeps on one of libuv's four pool threads. Sequelize opens a connection per transaction, so a
 * burst of concurrent transactions (every agent of a site reconnecting at once) used to put four
 * `BEGIN IMMEDIATE`s to sleep on all four threads while the transaction that held the lock could
 * not get a thread for its next statement or its COMMIT: every write stalled for a whole busy
 * timeout, again and again. Queueing the writes in JavaScript instead leaves the pool to the one
 * transaction that runs, and costs nothing: SQLite would have run them one by one anyway.
 */
export interface WriteGate {
  /**
   * Runs `work` when no other write of this gate runs, then lets the next one in. Re-entrant:
   * work started inside `work` (a query that forgot its transaction) runs at once rather than
   * waiting for its own caller.
   */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Writes waiting for their turn (not counting the one that runs). */
  waiting(): number;
}

export function createWriteGate(): WriteGate {
  /** Set inside a turn; `done` once it ended, for work the turn left running. */
  const inside = new AsyncLocalStorage<{ done: boolean }>();
  let tail: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  return {
    run<T>(work: () => Promise<T>): Promise<T> {
      const turn = inside.getStore();
      if (turn && !turn.done) return work();
      waiting++;
      const take = (): Promise<T> => {
        waiting--;
        const mine = { done: false };
        return inside.run(mine, work).finally(() => {
          mine.done = true;
        });
      };
      const next = tail.then(take, take);
      tail = next.catch(() => {});
      return next;
    },
    waiting: () => waiting,
  };
}
