import type { Logger, ResMessage, Result, ResultType, Severity } from '@prophasis/protocol';
import type { ClassifyOutcome, ClassifyRequest } from '../classification/types.js';
import type { ResultRow } from '../db/results-store.js';
import type { PlannedEntry } from '../scheduler/plan.js';
import type { ResolvedClassifier } from '../classification/overrides.js';
import type { StateTracker } from '../states/states.js';
import type { EventPublisher, StoredResult, SystemLog } from '../kernel/index.js';
import type { PipelineConfig } from './config.js';
import { createRecentIds } from './recent-ids.js';
import { NO_DATA_PREFIX, noDataResultId, type PipelineStore, type TransitionRow, type WindowItem } from './store.js';

/** Where results are written (db/results-store.ts `insertBatch`), declared by its consumer. */
export interface ResultSink {
  /** Stores the rows in one transaction, ignoring ids already stored; resolves once committed. */
  insertBatch(rows: readonly ResultRow[]): Promise<number>;
}

/** The classification engine's one method the ingest uses. */
export interface Classifier {
  classify(batch: readonly ClassifyRequest[]): Promise<ClassifyOutcome[]>;
}

/** What the ingest asks the dispatcher about plans (declared here, implemented by the dispatcher). */
export interface PlanView {
  ready(): Promise<void>;
  snapshot(): { hostByAgent: ReadonlyMap<string, number>; entries: ReadonlyMap<number, ReadonlyMap<string, PlannedEntry>>; maxLatenessMs: number } | undefined;
  runRequest(requestId: string): { hostId: number; checkRowId: number | null; pluginRowId: number; pluginId: string; historyCount: number; defaultClassifier: string } | undefined;
  classifierFor(hostId: number, checkRowId: number | null, pluginRowId: number, pluginKey: string, defaultClassifier: string): ResolvedClassifier;
}

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
  now?: () => number;
}

/** A slot that had no result in time (from the no_data sweep). */
export interface NoDataSlot {
  hostId: number;
  pluginRowId: number;
  checkRowId: number;
  slot: number;
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

/** Milliseconds spent per stage since start, summed over batches (diagnostics, the ingest benchmark). */
export interface IngestTimings {
  /** Asking the table for ids the memory cannot vouch for. */
  lookupMs: number;
  /** Reading classification windows of series not in memory. */
  windowsMs: number;
  /** Waiting for the classification workers. */
  classifyMs: number;
  /** The result store's insertBatch (results and rollups, one transaction). */
  insertMs: number;
  /** Deleting no_data rows replaced by late results, and writing states and transitions. */
  statesMs: number;
}

interface Item {
  resultId: string;
  hostId: number;
  pluginRowId: number;
  pluginKey: string;
  checkRowId: number | null;
  slotAt: number | null;
  measuredAt: number;
  receivedAt: number;
  value: number | null;
  message: string | null;
  resultType: ResultType;
  late: boolean;
  historyCount: number;
  defaultClassifier: string;
  /** The check's parameters for this plugin; the classifier sees them as `params`. */
  params: Readonly<Record<string, unknown>>;
  /** Set for the sweep's rows: no classification, fixed severity. */
  noData: boolean;
}

interface Batch {
  items: Item[];
  done: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
  timer?: NodeJS.Timeout | undefined;
  /** Its first row has waited batchMaxMs: it closes as soon as a stage is free. */
  due?: boolean;
}

interface Series {
  window: WindowItem[];
}

/**
 * How far ahead of the core's clock an agent's clock may be for the duplicate look-up to stay
 * exact (see `prepare`); beyond it a resend may reach classification once (never the table).
 */
const CLOCK_SKEW_MS = 10 * 60_000;

/** Stages a closed batch goes through (prepare, insert, finish); each is kept busy with one batch. */
const STAGES = 3;

/** At most this many system-log entries per agent and minute for refused results (pino keeps all). */
const REFUSALS_LOGGED_PER_MINUTE = 10;

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
  const seriesCache = new Map<string, Series>();
  const refusals = new Map<string, { minute: number; count: number }>();
  const classifyErrors = new Map<string, number>();
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
  const counters = { stored: 0, duplicates: 0, refused: 0, batches: 0 };
  const timings: IngestTimings = { lookupMs: 0, windowsMs: 0, classifyMs: 0, insertMs: 0, statesMs: 0 };
  const since = (t0: number) => performance.now() - t0;

  function refuse(agentId: string, reason: string, context: Record<string, unknown>): void {
    counters.refused++;
    log.warn({ agentId, reason, ...context }, 'result refused');
    const minute = Math.floor(now() / 60_000);
    const seen = refusals.get(agentId);
    const entry = seen && seen.minute === minute ? seen : { minute, count: 0 };
    entry.count++;
    refusals.set(agentId, entry);
    if (refusals.size > 10_000) refusals.clear();
    if (entry.count <= REFUSALS_LOGGED_PER_MINUTE) deps.systemLog.write('warn', 'ingest', `result refused: ${reason}`, { agentId, ...context });
  }

  function newBatch(): Batch {
    const batch: Batch = { items: [], ...deferred() };
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
    const unknown = batch.items.filter((i) => !i.noData && i.measuredAt < floor).map((i) => i.resultId);
    if (unknown.length === 0) return Promise.resolve(new Set());
    const t0 = performance.now();
    const found = deps.store.existingIds(unknown).finally(() => (timings.lookupMs += since(t0)));
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

  async function warm(keys: Map<string, { hostId: number; pluginRowId: number; n: number }>): Promise<void> {
    const cold = [...keys.entries()].filter(([k]) => !seriesCache.has(k));
    if (cold.length === 0) return;
    const n = Math.max(...cold.map(([, s]) => s.n));
    const windows = await deps.store.loadWindows(cold.map(([, s]) => s), n);
    for (const [k, s] of cold) {
      const window = windows.get(k) ?? [];
      seriesCache.set(k, { window: window.slice(-s.n) });
    }
    while (seriesCache.size > config.maxSeries) {
      const oldest = seriesCache.keys().next();
      if (oldest.done) break;
      seriesCache.delete(oldest.value);
    }
  }

  function touch(k: string): Series {
    const s = seriesCache.get(k)!;
    // Map order is the LRU order: re-insert on use.
    seriesCache.delete(k);
    seriesCache.set(k, s);
    return s;
  }

  function logClassifyError(item: Item, classifier: ResolvedClassifier, outcome: ClassifyOutcome): void {
    const k = `${item.hostId}:${item.pluginRowId}:${outcome.error?.kind}`;
    const minute = Math.floor(now() / 60_000);
    if (classifyErrors.get(k) === minute) return;
    if (classifyErrors.size > 10_000) classifyErrors.clear();
    classifyErrors.set(k, minute);
    deps.systemLog.write('warn', 'classification', `classification failed: ${outcome.error?.message ?? 'unknown error'}`, {
      plugin: item.pluginKey,
      hostId: item.hostId,
      checkId: item.checkRowId,
      classifier: classifier.key,
      kind: outcome.error?.kind,
      reason: outcome.error?.message,
    });
  }

  interface Prepared {
    items: Item[];
    rows: ResultRow[];
    severities: Severity[];
    touched: Set<string>;
  }

  /** Fails the batch: nothing of it is known to be stored, every PUBACK is withheld. */
  function fail(batch: Batch, touched: Iterable<string>, err: unknown): void {
    // Forget the windows it touched (they are re-read from the table); the agents resend.
    for (const k of touched) seriesCache.delete(k);
    log.error({ err, results: batch.items.length }, 'storing a batch failed');
    batch.reject(err);
    for (const i of batch.items) if (inflight.get(i.resultId) === batch.done) inflight.delete(i.resultId);
  }

  /**
   * Stage 1, one batch at a time: duplicates, windows, classification. Runs while the previous
   * batch is being inserted, so the Lua workers and the database work at the same time.
   */
  async function prepare(batch: Batch, looked: Promise<Set<string>>): Promise<Prepared | undefined> {
    const touched = new Set<string>();
    try {
      let items = batch.items;
      const existing = await looked;
      let t0: number;
      if (existing.size > 0) {
        counters.duplicates += existing.size;
        items = items.filter((i) => !existing.has(i.resultId));
      }
      // Per series in slot order, so a backlog that arrives shuffled is classified as it happened.
      const order = (i: Item) => i.slotAt ?? i.measuredAt;
      items.sort((a, b) => a.hostId - b.hostId || a.pluginRowId - b.pluginRowId || order(a) - order(b) || a.measuredAt - b.measuredAt);
      const needed = new Map<string, { hostId: number; pluginRowId: number; n: number }>();
      for (const i of items) {
        if (i.noData) continue;
        const k = `${i.hostId}:${i.pluginRowId}`;
        const known = needed.get(k);
        if (!known || known.n < i.historyCount) needed.set(k, { hostId: i.hostId, pluginRowId: i.pluginRowId, n: i.historyCount });
      }
      t0 = performance.now();
      await warm(needed);
      timings.windowsMs += since(t0);

      const requests: ClassifyRequest[] = [];
      const classifiers: (ResolvedClassifier | undefined)[] = [];
      for (const i of items) {
        if (i.noData) {
          classifiers.push(undefined);
          continue;
        }
        const k = `${i.hostId}:${i.pluginRowId}`;
        touched.add(k);
        const series = touch(k);
        const entry: WindowItem = { t: i.measuredAt, value: i.value, message: i.message, resultType: i.resultType };
        // Insert in time order; the window it is classified with ends at itself.
        let at = series.window.length;
        while (at > 0 && series.window[at - 1]!.t > entry.t) at--;
        series.window.splice(at, 0, entry);
        const upto = series.window.slice(Math.max(0, at + 1 - i.historyCount), at + 1);
        if (series.window.length > i.historyCount) series.window.splice(0, series.window.length - i.historyCount);
        const classifier = deps.plans.classifierFor(i.hostId, i.checkRowId, i.pluginRowId, i.pluginKey, i.defaultClassifier);
        classifiers.push(classifier);
        requests.push({
          classifierKey: classifier.key,
          code: classifier.code,
          values: upto.map((w) => w.value),
          messages: upto.map((w) => w.message),
          resultTypes: upto.map((w) => w.resultType),
          params: i.params as ClassifyRequest['params'],
        });
      }
      t0 = performance.now();
      const outcomes = requests.length > 0 ? await deps.classifier.classify(requests) : [];
      timings.classifyMs += since(t0);

      const rows: ResultRow[] = [];
      const severities: Severity[] = [];
      let next = 0;
      items.forEach((i, index) => {
        let severity: Severity = 'no_data';
        if (!i.noData) {
          const outcome = outcomes[next++] ?? { severity: 'unknown', error: { kind: 'runtime', message: 'no outcome' } };
          severity = outcome.severity;
          if (outcome.error) logClassifyError(i, classifiers[index]!, outcome);
        }
        severities.push(severity);
        rows.push({
          resultId: i.resultId,
          hostId: i.hostId,
          pluginId: i.pluginRowId,
          checkId: i.checkRowId,
          slotAt: i.slotAt,
          measuredAt: i.measuredAt,
          receivedAt: i.receivedAt,
          value: i.value,
          message: i.message,
          resultType: i.resultType,
          severity,
          late: i.late,
        });
      });

      return { items, rows, severities, touched };
    } catch (err) {
      fail(batch, touched, err);
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

  /** Stage 3, one batch at a time and in order: replace no_data rows, states; then acknowledge. */
  async function finish(batch: Batch, prepared: Prepared): Promise<void> {
    const { items, severities, touched } = prepared;
    try {
      const t0 = performance.now();

      // A late real result replaces the no_data row of its slot (a separate statement after the
      // commit: if the core dies in between, both rows exist and the next sweep does not care).
      const superseded = items
        .filter((i) => !i.noData && i.late && i.slotAt !== null && i.checkRowId !== null)
        .map((i) => noDataResultId(i.hostId, i.pluginRowId, i.checkRowId!, i.slotAt!));
      if (superseded.length > 0) {
        await deps.store.deleteResults(superseded).catch((err: unknown) => log.error({ err }, 'deleting superseded no_data rows failed'));
      }

      const transitions: TransitionRow[] = [];
      items.forEach((i, index) => {
        transitions.push(...deps.states.apply({ hostId: i.hostId, pluginRowId: i.pluginRowId, severity: severities[index]!, t: i.slotAt !== null && i.noData ? i.slotAt : i.measuredAt, resultId: i.resultId, late: i.late }));
      });
      try {
        await deps.states.persist();
      } catch (err) {
        log.error({ err }, 'writing current states failed; will retry with the next batch');
      }
      timings.statesMs += since(t0);

      const storedAt = now();
      for (const i of batch.items) recent.add(i.resultId, storedAt);
      if (deps.slots) for (const i of items) if (!i.noData && i.slotAt !== null && i.checkRowId !== null) deps.slots.observe(i.hostId, i.pluginRowId, i.checkRowId, i.slotAt);
      batch.resolve();
      for (const i of batch.items) if (inflight.get(i.resultId) === batch.done) inflight.delete(i.resultId);
      publish(items, severities, transitions);
    } catch (err) {
      fail(batch, touched, err);
    }
  }

  function publish(items: Item[], severities: Severity[], transitions: TransitionRow[]): void {
    if (!deps.events) return;
    const ts = now();
    for (const t of transitions) {
      deps.events.publish({ type: 'state.changed', ts, transition: { hostId: t.hostId, serviceId: null, pluginId: t.pluginRowId, from: t.from, to: t.to, at: t.at, late: t.late } });
    }
    if (items.length === 0) return;
    // One event per batch with the newest result per series: the console refreshes, the SSE
    // stream does not carry 20,000 events a second.
    const latest = new Map<string, StoredResult>();
    items.forEach((i, index) => {
      latest.set(`${i.hostId}:${i.pluginRowId}`, { hostId: i.hostId, pluginId: i.pluginRowId, checkId: i.checkRowId, severity: severities[index], value: i.value, measuredAt: i.measuredAt });
    });
    deps.events.publish({ type: 'result.stored', ts, count: items.length, latest: [...latest.values()].slice(0, 1000) });
  }

  function toItem(agentId: string, hostId: number, r: Result, receivedAt: number, maxLatenessMs: number): Item | undefined {
    const snap = deps.plans.snapshot();
    const run = r.requestId ? deps.plans.runRequest(r.requestId) : undefined;
    if (run && run.hostId === hostId && run.pluginId === r.pluginId) {
      const planned = run.checkRowId === null ? undefined : snap?.entries.get(hostId)?.get(`${run.checkRowId}:${r.pluginId}`);
      return {
        params: planned?.entry.params ?? {},
        ...common(r, receivedAt, maxLatenessMs),
        hostId,
        pluginRowId: run.pluginRowId,
        pluginKey: `${r.pluginId}@${r.version}`,
        checkRowId: run.checkRowId,
        historyCount: run.historyCount,
        defaultClassifier: run.defaultClassifier,
      };
    }
    const planned = r.checkId === null ? undefined : snap?.entries.get(hostId)?.get(`${r.checkId}:${r.pluginId}`);
    if (!planned) {
      refuse(agentId, r.checkId === null ? `run of ${r.pluginId} that the core did not request` : `plugin ${r.pluginId} of check ${r.checkId} is not in the host's plan`, {
        hostId,
        resultId: r.id,
        pluginId: r.pluginId,
        checkId: r.checkId,
      });
      return undefined;
    }
    return {
      ...common(r, receivedAt, maxLatenessMs),
      params: planned.entry.params,
      hostId,
      pluginRowId: planned.pluginRowId,
      pluginKey: `${r.pluginId}@${planned.entry.version}`,
      checkRowId: planned.checkRowId,
      historyCount: planned.historyCount,
      defaultClassifier: planned.defaultClassifier,
    };
  }

  function common(r: Result, receivedAt: number, maxLatenessMs: number) {
    return {
      resultId: r.id,
      slotAt: r.slot,
      measuredAt: r.measuredAt,
      receivedAt,
      value: r.value !== null && Number.isFinite(r.value) ? r.value : null,
      message: r.message,
      resultType: r.resultType,
      // Late: it reached the core more than maxLateness after its slot (an outbox backlog).
      late: receivedAt - (r.slot ?? r.measuredAt) > maxLatenessMs,
      noData: false,
    };
  }

  async function handleResults(agentId: string, results: readonly Result[]): Promise<void> {
    await deps.plans.ready();
    const snap = deps.plans.snapshot();
    const hostId = snap?.hostByAgent.get(agentId);
    if (hostId === undefined || !snap) {
      refuse(agentId, 'results from an agent no enrolled host carries', { results: results.length });
      return;
    }
    if (deps.seen) void Promise.resolve(deps.seen(agentId)).catch(() => {});
    const receivedAt = now();
    const items: Item[] = [];
    for (const r of results) {
      if (r.id.startsWith(NO_DATA_PREFIX)) {
        refuse(agentId, 'result id uses the reserved no_data prefix', { hostId, resultId: r.id });
        continue;
      }
      const item = toItem(agentId, hostId, r, receivedAt, snap.maxLatenessMs);
      if (item) items.push(item);
    }
    await Promise.all(enqueue(items));
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
          return handleResults(agentId, message.body.results);
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
      const receivedAt = now();
      const items: Item[] = slots.map((s) => ({
        resultId: noDataResultId(s.hostId, s.pluginRowId, s.checkRowId, s.slot),
        hostId: s.hostId,
        pluginRowId: s.pluginRowId,
        pluginKey: '',
        checkRowId: s.checkRowId,
        slotAt: s.slot,
        measuredAt: s.slot,
        receivedAt,
        value: null,
        message: 'no result within maxLateness',
        // The agent did not report in time: from the core's side, a timeout.
        resultType: 'connection_timeout',
        late: false,
        historyCount: 1,
        defaultClassifier: '',
        params: {},
        noData: true,
      }));
      await Promise.all(enqueue(items));
    },

    async flush() {
      if (open) await closeAndWrite(open);
      await writing;
    },

    stats: () => ({ ...counters, timings: { ...timings } }),
  };
}
