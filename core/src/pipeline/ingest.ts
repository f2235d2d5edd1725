import type { Logger, ResMessage } from '@prophasis/protocol';
import type { EventPublisher, SystemLog } from '../kernel/index.js';
import type { PipelineConfig } from './config.js';
import { createRecentIds } from './recent-ids.js';
import { createAdmission } from './stages/admit.js';
import { createClassifyStage, PrepareError } from './stages/classify.js';
import { createFinishStage } from './stages/finish.js';
import type { StateTracker } from './states.js';
import { windowOf, type PipelineStore } from './store.js';
import { since, type Classifier, type IngestCounters, type IngestTimings, type Item, type NoDataSlot, type PlanView, type Prepared, type ResultSink } from './types.js';

export type { Classifier, NoDataSlot, ResultSink } from './types.js';

export interface IngestDeps {
  sink: ResultSink;
  store: PipelineStore;
  states: StateTracker;
  classifier: Classifier;
  plans: PlanView;
  systemLog: SystemLog;
  logger: Logger;
  events?: EventPublisher;
  /** Told every stored slot (the no_data sweep's bookkeeping). */
  slots?: { observe(hostId: number, pluginRowId: number, checkRowId: number, slot: number): void };
  /** Presence's `seen(agentId)`: results count as signs of life. */
  seen?: (agentId: string) => void | Promise<void>;
  /** Told each batch acknowledged: its rows and the seconds from its first row to its PUBACKs (/metrics). */
  observeBatch?: (rows: number, seconds: number) => void;
  now?: () => number;
}

export interface Ingest {
  start(): Promise<void>;
  /** Flushes what is pending, then refuses new messages (their PUBACK is withheld). */
  stop(): Promise<void>;
  /** The transport's `onResult` consumer. Resolves once the message's results are committed. */
  handle(agentId: string, message: ResMessage): Promise<void>;
  /** Stores synthetic `no_data` results for slots without a result (the sweep calls this). */
  storeNoData(slots: readonly NoDataSlot[]): Promise<void>;
  /** Writes what is pending now. */
  flush(): Promise<void>;
  /** Counters for diagnostics and tests. */
  stats(): { stored: number; duplicates: number; refused: number; batches: number; timings: IngestTimings };
}

interface Batch {
  items: Item[];
  done: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
  timer?: NodeJS.Timeout | undefined;
  /** performance.now() when its first row came. */
  openedAt: number;
  /** Its first row has waited batchMaxMs: it closes as soon as a stage is free. */
  due?: boolean;
}

/**
 * How far ahead of the core's clock an agent's clock may be for the duplicate look-up to stay
 * exact (see `prepare`); beyond it a resend may reach classification once (never the table).
 */
const CLOCK_SKEW_MS = 10 * 60_000;

/** Stages a closed batch goes through (prepare, insert, finish); each is kept busy with one batch. */
const STAGES = 3;

function deferred(): Pick<Batch, 'done' | 'resolve' | 'reject'> {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody awaits (all duplicates) must not become an unhandled rejection.
  done.catch(() => {});
  return { done, resolve, reject };
}

/**
 * Creates the ingest (docs/pipeline.md, "Ingest"): validated results are checked against the
 * sender's plan, deduplicated, accumulated across agents into batches (group commit: every
 * handler waiting on a batch resolves after its one multi-row INSERT committed, so an agent's
 * PUBACK means "stored"), classified in slot order per series with the resolved classifier,
 * stored with their severity, and applied to the current states.
 */
export function createIngest(config: PipelineConfig, deps: IngestDeps): Ingest {
  const log = deps.logger.child({ component: 'ingest' });
  const now = deps.now ?? Date.now;
  const recent = createRecentIds(config.recentIds);
  /** Ids waiting in the open batch or being written, with the batch that will store them. */
  const inflight = new Map<string, Promise<void>>();
  let open: Batch | undefined;
  let preparing: Promise<unknown> = Promise.resolve();
  let writing: Promise<void> = Promise.resolve();
  /** The latest INSERTs (at most `writeConcurrency`): a new one starts once the oldest of them ended. */
  const writes: Promise<unknown>[] = [];
  const writeConcurrency = config.writeConcurrency;
  /** Batches closed and not yet finished (being prepared, waiting to be stored, or being stored). */
  let inPipeline = 0;
  let phase: 'new' | 'running' | 'stopped' = 'new';
  let startedAt = 0;
  let markStarted: () => void = () => {};
  // Messages that arrive between the transport's start and ours wait instead of being refused.
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const counters: IngestCounters = { stored: 0, duplicates: 0, refused: 0, batches: 0 };
  const timings: IngestTimings = { lookupMs: 0, windowsMs: 0, classifyMs: 0, insertMs: 0, statesMs: 0 };
  const admission = createAdmission({ plans: deps.plans, systemLog: deps.systemLog, log, now, counters, seen: deps.seen });
  const classify = createClassifyStage(config, { store: deps.store, plans: deps.plans, classifier: deps.classifier, systemLog: deps.systemLog, now, counters, timings });
  const finishing = createFinishStage({ store: deps.store, states: deps.states, events: deps.events, log, now, timings });

  function newBatch(): Batch {
    const batch: Batch = { items: [], openedAt: performance.now(), ...deferred() };
    batch.timer = setTimeout(() => {
      batch.due = true;
      // Group commit: while every stage is busy, the batch keeps filling (up to batchMaxRows)
      // and is closed as soon as one finishes. Closing it on time regardless would queue many
      // small batches behind a busy database, each paying the fixed cost of a batch, and the
      // wait would grow without bound at a rate the stages could carry in bigger batches.
      if (inPipeline < STAGES) void closeAndWrite(batch);
    }, config.batchMaxMs);
    batch.timer.unref?.();
    return batch;
  }

  /**
   * Closes `batch` (if still open) and sends it down the stages: its duplicate look-up starts at
   * once; preparing (windows, classification) runs one batch at a time in order; the INSERT may
   * overlap the previous batch's (`writeConcurrency`, PostgreSQL) and its states; finishing
   * (states, transitions, acknowledgement) runs one batch at a time in order.
   */
  function closeAndWrite(batch: Batch): Promise<void> {
    if (open === batch) open = undefined;
    if (batch.timer) {
      clearTimeout(batch.timer);
      batch.timer = undefined;
      inPipeline++;
      const looked = lookup(batch);
      const prepared = preparing.then(() => prepare(batch, looked));
      preparing = prepared;
      const writeAfter = writes.length >= writeConcurrency ? writes[writes.length - writeConcurrency]! : Promise.resolve();
      const inserted = Promise.all([writeAfter, prepared]).then(([, p]) => (p ? insert(batch, p) : undefined));
      writes.push(inserted.then(() => undefined));
      if (writes.length > writeConcurrency) writes.shift();
      writing = Promise.all([writing, inserted])
        .then(([, i]) => (i ? finish(batch, i) : undefined))
        .finally(() => {
          inPipeline--;
          if (open?.due) void closeAndWrite(open);
        });
      // SQLite has one writer: the next INSERT waits for this batch's states too.
      if (writeConcurrency === 1) writes[writes.length - 1] = writing;
    }
    return batch.done;
  }

  /**
   * Duplicates the memory does not know of (a resend after a core restart, or of an id the
   * memory forgot): ask the table. A result measured after everything the memory still covers
   * cannot have been stored without being remembered, so fresh results skip the query. The
   * floor only rises, so reading it at close (after every item was checked against the memory)
   * is as safe as reading it later.
   */
  function lookup(batch: Batch): Promise<Set<string>> {
    const floor = Math.max(startedAt, recent.floor()) + CLOCK_SKEW_MS;
    const unknown = batch.items.filter((i) => !i.noData && i.measuredAt < floor);
    if (unknown.length === 0) return Promise.resolve(new Set());
    const t0 = performance.now();
    // A resend carries the measured time of its first send: only those days need searching.
    const found = deps.store
      .existingIds(
        unknown.map((i) => i.resultId),
        windowOf(unknown.map((i) => i.measuredAt)),
      )
      .finally(() => (timings.lookupMs += since(t0)));
    found.catch(() => {}); // awaited (and its failure handled) by prepare
    return found;
  }

  function enqueue(items: Item[]): Promise<void>[] {
    const waits: Promise<void>[] = [];
    for (const item of items) {
      const pending = inflight.get(item.resultId);
      if (pending) {
        counters.duplicates++;
        waits.push(pending);
        continue;
      }
      if (recent.has(item.resultId)) {
        counters.duplicates++;
        continue;
      }
      open ??= newBatch();
      const batch = open;
      batch.items.push(item);
      inflight.set(item.resultId, batch.done);
      waits.push(batch.done);
      if (batch.items.length >= config.batchMaxRows) void closeAndWrite(batch);
    }
    return waits;
  }

  /** Fails the batch: nothing of it is known to be stored, every PUBACK is withheld. */
  function fail(batch: Batch, touched: Iterable<string>, err: unknown): void {
    // Forget the windows it touched (they are re-read from the table); the agents resend.
    classify.forget(touched);
    log.error({ err, results: batch.items.length }, 'storing a batch failed');
    batch.reject(err);
    for (const i of batch.items) if (inflight.get(i.resultId) === batch.done) inflight.delete(i.resultId);
  }

  /**
   * Stage 1, one batch at a time: duplicates, windows, classification (./stages/classify.ts).
   * Runs while the previous batch is being inserted, so the Lua workers and the database work
   * at the same time.
   */
  async function prepare(batch: Batch, looked: Promise<Set<string>>): Promise<Prepared | undefined> {
    try {
      return await classify.prepare(batch.items, await looked);
    } catch (err) {
      if (err instanceof PrepareError) fail(batch, err.touched, err.error);
      else fail(batch, [], err);
      return undefined;
    }
  }

  /** Stage 2: the batch's INSERT (results and rollups, one transaction). */
  async function insert(batch: Batch, prepared: Prepared): Promise<Prepared | undefined> {
    try {
      const t0 = performance.now();
      const stored = prepared.rows.length > 0 ? await deps.sink.insertBatch(prepared.rows) : 0;
      timings.insertMs += since(t0);
      counters.stored += stored;
      counters.batches++;
      return prepared;
    } catch (err) {
      fail(batch, prepared.touched, err);
      return undefined;
    }
  }

  /** Stage 3, one batch at a time and in order: replace no_data rows, states (./stages/finish.ts); then acknowledge. */
  async function finish(batch: Batch, prepared: Prepared): Promise<void> {
    const { items } = prepared;
    try {
      const transitions = await finishing.finish(prepared);
      const storedAt = now();
      for (const i of batch.items) recent.add(i.resultId, storedAt);
      if (deps.slots) for (const i of items) if (!i.noData && i.slotAt !== null && i.checkRowId !== null) deps.slots.observe(i.hostId, i.pluginRowId, i.checkRowId, i.slotAt);
      batch.resolve();
      for (const i of batch.items) if (inflight.get(i.resultId) === batch.done) inflight.delete(i.resultId);
      deps.observeBatch?.(batch.items.length, since(batch.openedAt) / 1000);
      finishing.publish(prepared, transitions);
    } catch (err) {
      fail(batch, prepared.touched, err);
    }
  }

  return {
    /** The state tracker must have been started (it loads current_states). */
    async start() {
      startedAt = now();
      phase = 'running';
      markStarted();
    },

    async stop() {
      phase = 'stopped';
      if (open) await closeAndWrite(open).catch(() => {});
      await writing.catch(() => {});
    },

    async handle(agentId, message) {
      if (phase === 'new') await started;
      if (phase !== 'running') throw new Error('the ingest is stopped; the message stays unacknowledged');
      switch (message.type) {
        case 'result':
        {
          const items = await admission.admit(agentId, message.body.results);
          await Promise.all(enqueue(items));
          return;
        }
        case 'bundle.status': {
          const { pluginId, version, sha256, status, reason } = message.body;
          if (status === 'refused') deps.systemLog.write('warn', 'ingest', `agent refused bundle ${pluginId}@${version}: ${reason ?? 'no reason given'}`, { agentId, pluginId, version, sha256, reason });
          else log.info({ agentId, pluginId, version, status }, 'bundle status');
          return;
        }
        case 'agent.report': {
          const { missedSlots, outboxDropped, outboxDepth, lastError } = message.body;
          if (outboxDropped > 0) deps.systemLog.write('warn', 'ingest', `agent dropped ${outboxDropped} results from its outbox (cap reached)`, { agentId, outboxDropped, outboxDepth });
          if (missedSlots > 0) deps.systemLog.write('info', 'ingest', `agent skipped ${missedSlots} slots that could only start past maxLateness`, { agentId, missedSlots });
          if (lastError) deps.systemLog.write('warn', 'ingest', `agent reported an error: ${lastError}`, { agentId });
          return;
        }
      }
    },

    async storeNoData(slots) {
      await Promise.all(enqueue(admission.noData(slots)));
    },

    async flush() {
      if (open) await closeAndWrite(open);
      await writing;
    },

    stats: () => ({ ...counters, timings: { ...timings } }),
  };
}
