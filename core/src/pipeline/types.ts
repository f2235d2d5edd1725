import type { ResultType, Severity } from '@prophasis/protocol';
import type { ClassifyOutcome, ClassifyRequest, ResolvedClassifier } from '../classification/index.js';
import type { ResultRow } from '../db/index.js';
import type { PlannedEntry } from '../scheduler/index.js';

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
  snapshot():
    | {
        hostByAgent: ReadonlyMap<string, number>;
        entries: ReadonlyMap<number, ReadonlyMap<string, PlannedEntry>>;
        maxLatenessMs: number;
        /** Each device's collector host (docs/devices.md): only it may publish the device's results. */
        collectors?: ReadonlyMap<number, number>;
      }
    | undefined;
  runRequest(requestId: string): { hostId: number; checkRowId: number | null; pluginRowId: number; pluginId: string; historyCount: number; defaultClassifier: string } | undefined;
  classifierFor(hostId: number, checkRowId: number | null, pluginRowId: number, pluginKey: string, defaultClassifier: string): ResolvedClassifier;
}

/** A slot that had no result in time (from the no_data sweep). */
export interface NoDataSlot {
  hostId: number;
  pluginRowId: number;
  checkRowId: number;
  slot: number;
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

/** The ingest's counters, shared by its stages. */
export interface IngestCounters {
  stored: number;
  duplicates: number;
  refused: number;
  batches: number;
}

/** One result on its way through the stages. */
export interface Item {
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

/** A batch after stage 1: what is new in it, its rows with their severity, the series it touched. */
export interface Prepared {
  items: Item[];
  rows: ResultRow[];
  severities: Severity[];
  touched: Set<string>;
}

/** Milliseconds since `t0` (`performance.now()`). */
export const since = (t0: number): number => performance.now() - t0;
