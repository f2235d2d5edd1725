import type { Severity } from '@prophasis/protocol';
import type { ClassifyOutcome, ClassifyRequest, ResolvedClassifier } from '../../classification/index.js';
import type { ResultRow } from '../../db/index.js';
import type { SystemLog } from '../../kernel/index.js';
import type { PipelineStore, WindowItem } from '../store.js';
import { since, type Classifier, type IngestCounters, type IngestTimings, type Item, type PlanView, type Prepared } from '../types.js';

interface Series {
  window: WindowItem[];
}

export interface ClassifyStage {
  /**
   * Stage 1, one batch at a time: drops what the table already holds (`existing`), warms the
   * classification windows of the batch's series, classifies every item in slot order per
   * series with its resolved classifier, and returns the rows to insert with their severity.
   * Throws with `touched` set on the error (the series whose windows it changed).
   */
  prepare(items: readonly Item[], existing: ReadonlySet<string>): Promise<Prepared>;
  /** Forgets the windows of these series (a failed batch: they are re-read from the table). */
  forget(touched: Iterable<string>): void;
}

/** An error of stage 1 with the series whose windows it had already changed. */
export class PrepareError extends Error {
  constructor(
    readonly error: unknown,
    readonly touched: Set<string>,
  ) {
    super('preparing a batch failed', { cause: error });
  }
}

/**
 * Classification requests (docs/pipeline.md, "Classification"): each series' last results stay
 * in memory (the least recently used of `maxSeries` go first; a cold series is read from the
 * table once), so a batch costs one round trip to the Lua workers and none to the database.
 */
export function createClassifyStage(
  config: { maxSeries: number },
  deps: { store: PipelineStore; plans: PlanView; classifier: Classifier; systemLog: SystemLog; now: () => number; counters: IngestCounters; timings: IngestTimings },
): ClassifyStage {
  const { timings } = deps;
  const seriesCache = new Map<string, Series>();
  const classifyErrors = new Map<string, number>();

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
    const minute = Math.floor(deps.now() / 60_000);
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

  async function prepare(batchItems: readonly Item[], existing: ReadonlySet<string>): Promise<Prepared> {
    const touched = new Set<string>();
    try {
      let items = [...batchItems];
      let t0: number;
      if (existing.size > 0) {
        deps.counters.duplicates += existing.size;
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
      throw new PrepareError(err, touched);
    }
  }

  return {
    prepare,
    forget(touched) {
      for (const k of touched) seriesCache.delete(k);
    },
  };
}
