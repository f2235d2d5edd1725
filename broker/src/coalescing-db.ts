import type { Level } from 'level';

type Op = { type: 'put'; key: string; value: Buffer } | { type: 'del'; key: string };
interface Range {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  limit?: number;
}

/** The part of a `level` database that aedes-persistence-level uses. */
export interface LevelLike {
  get(key: string, options?: object): Promise<Buffer | undefined>;
  put(key: string, value: Buffer, options?: object): Promise<void>;
  del(key: string, options?: object): Promise<void>;
  batch(ops: Op[], options?: object): Promise<void>;
  batch(): { put(key: string, value: Buffer): unknown; del(key: string): unknown; write(): Promise<void> };
  values(options: Range & object): AsyncIterable<Buffer>;
  keys(options: Range & object): AsyncIterable<string>;
  clear(options: Range & object): Promise<void>;
  close(): Promise<void>;
}

interface Pending {
  /** Last write per key: a value, or `null` for a delete. */
  writes: Map<string, Buffer | null>;
  waiters: { resolve(): void; reject(err: unknown): void }[];
}

/**
 * A `level` database whose writes are gathered into one LevelDB batch per turn of the event
 * loop. Every put or delete on its own costs a native call and a thread-pool round trip; a
 * reconnect storm issues several per client (will, retained state, subscriptions), and
 * profiling showed them as the largest share of the broker's CPU per CONNECT. One batch per
 * turn makes that cost per storm slice instead of per write.
 *
 * Consistency: reads see every write issued before them. `get` answers from the pending or
 * in-flight batch when the key is there; range reads, `clear` and `close` wait until every
 * earlier write is on disk. A write's promise resolves once its batch is written, so callers
 * that await a write keep their "it is stored" meaning. Durability is LevelDB's default
 * (no fsync per write), as before.
 */
export function createCoalescingDb(db: Level<string, Buffer>): LevelLike {
  let pending: Pending | undefined;
  let inflight: { writes: Map<string, Buffer | null>; done: Promise<void> } | undefined;
  let scheduled = false;

  function enqueue(ops: Op[]): Promise<void> {
    pending ??= { writes: new Map(), waiters: [] };
    for (const op of ops) pending.writes.set(op.key, op.type === 'put' ? op.value : null);
    const p = pending;
    const done = new Promise<void>((resolve, reject) => p.waiters.push({ resolve, reject }));
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => void flushLoop());
    }
    return done;
  }

  /** Writes pending batches one after another, so they reach the disk in issue order. */
  async function flushLoop(): Promise<void> {
    while (pending) {
      if (inflight) await inflight.done.catch(() => undefined);
      const batch = pending;
      pending = undefined;
      const ops = [...batch.writes].map(([key, value]) => (value === null ? { type: 'del' as const, key } : { type: 'put' as const, key, value }));
      const done = db.batch(ops);
      inflight = { writes: batch.writes, done };
      try {
        await done;
        for (const w of batch.waiters) w.resolve();
      } catch (err) {
        for (const w of batch.waiters) w.reject(err);
      } finally {
        if (inflight?.done === done) inflight = undefined;
      }
    }
    scheduled = false;
  }

  /** Resolves once every write issued so far is on disk (or failed). */
  async function settled(): Promise<void> {
    while (pending || inflight) {
      if (pending) await enqueue([]).catch(() => undefined);
      else await inflight?.done.catch(() => undefined);
    }
  }

  function unwritten(key: string): Buffer | null | undefined {
    if (pending?.writes.has(key)) return pending.writes.get(key);
    if (inflight?.writes.has(key)) return inflight.writes.get(key);
    return undefined;
  }

  async function* afterSettled<T>(read: () => AsyncIterable<T>): AsyncGenerator<T> {
    await settled();
    yield* read();
  }

  return {
    async get(key, options) {
      const local = unwritten(key);
      if (local === null) return undefined;
      if (local !== undefined) return local;
      return options ? db.get(key, options) : db.get(key);
    },
    put(key, value) {
      return enqueue([{ type: 'put', key, value }]);
    },
    del(key) {
      return enqueue([{ type: 'del', key }]);
    },
    batch(ops?: Op[]) {
      if (ops) return enqueue(ops);
      const collected: Op[] = [];
      const chained = {
        put(key: string, value: Buffer) {
          collected.push({ type: 'put', key, value });
          return chained;
        },
        del(key: string) {
          collected.push({ type: 'del', key });
          return chained;
        },
        write: () => enqueue(collected),
      };
      return chained;
    },
    values(options) {
      return afterSettled(() => db.values(options));
    },
    keys(options) {
      return afterSettled(() => db.keys(options));
    },
    async clear(options) {
      await settled();
      await db.clear(options);
    },
    async close() {
      await settled();
      await db.close();
    },
  } as LevelLike;
}
