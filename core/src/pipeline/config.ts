import { Type, type Static } from '@sinclair/typebox';
import { loadConfig } from '@prophasis/protocol';

/** Settings of the result pipeline: dispatcher, ingest and the no_data sweep (docs/pipeline.md). */
const PipelineConfigSchema = Type.Object(
  {
    /** Plans are recomputed at least this often (cheap: unchanged plans hash equal and are not sent). */
    recomputeMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
    /** A `notifyConfigChanged()` recomputes after this quiet time, so a burst of edits costs one pass. */
    recomputeDebounceMs: Type.Integer({ minimum: 0, maximum: 60_000 }),
    /** A batch of results is written when it holds this many rows … */
    batchMaxRows: Type.Integer({ minimum: 1, maximum: 20_000 }),
    /** … or when its first row has waited this long. */
    batchMaxMs: Type.Integer({ minimum: 0, maximum: 10_000 }),
    /**
     * Batches whose INSERT may run at the same time (PostgreSQL's pool). The pipeline uses 1 on
     * SQLite, which has a single writer: there the next INSERT also waits for the states.
     */
    writeConcurrency: Type.Integer({ minimum: 1, maximum: 8 }),
    /** Result ids remembered in memory to drop duplicates without asking the database. */
    recentIds: Type.Integer({ minimum: 1_000, maximum: 10_000_000 }),
    /** Series (host × plugin) whose classification window is kept in memory; least recently used go first. */
    maxSeries: Type.Integer({ minimum: 100, maximum: 10_000_000 }),
    /** The no_data sweep runs this often. */
    noDataSweepMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
    /** At most this many slots are examined per sweep (the rest wait for the next one). */
    noDataMaxSlotsPerSweep: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    /** Per plan entry and sweep, a longer gap is cut to its newest slots. */
    noDataMaxSlotsPerEntry: Type.Integer({ minimum: 1, maximum: 100_000 }),
    /** "Run now" requests are remembered this long for their results to be accepted. */
    runNowTtlMs: Type.Integer({ minimum: 1_000, maximum: 86_400_000 }),
  },
  { additionalProperties: false },
);
export type PipelineConfig = Static<typeof PipelineConfigSchema>;

export const PIPELINE_DEFAULTS: PipelineConfig = {
  recomputeMs: 5_000, // 5 s: a missed change signal still reaches agents within seconds
  recomputeDebounceMs: 250, // 0.25 s after the last configuration change
  batchMaxRows: 1_000, // rows per multi-row INSERT
  batchMaxMs: 50, // 50 ms: bounds the latency a result adds waiting for its batch (while a stage is free)
  writeConcurrency: 2, // INSERTs of two batches overlap on PostgreSQL
  recentIds: 200_000, // ≈ 10 s of results at 20,000/s
  maxSeries: 200_000, // 10,000 hosts × 20 plugins
  noDataSweepMs: 15_000, // 15 s
  noDataMaxSlotsPerSweep: 20_000,
  noDataMaxSlotsPerEntry: 1_000,
  runNowTtlMs: 3_600_000, // 1 hour
};

/**
 * Reads the pipeline settings: defaults, overridden by `PROPHASIS_PIPELINE_*` variables
 * (`PROPHASIS_PIPELINE_BATCH_MAX_ROWS`, `…_BATCH_MAX_MS`, `…_RECOMPUTE_MS`, `…_NO_DATA_SWEEP_MS`).
 */
export function readPipelineConfig(environment: NodeJS.ProcessEnv = process.env, overrides: Partial<PipelineConfig> = {}): PipelineConfig {
  return loadConfig({
    schema: PipelineConfigSchema,
    defaults: PIPELINE_DEFAULTS,
    env: {
      batchMaxRows: 'PROPHASIS_PIPELINE_BATCH_MAX_ROWS',
      batchMaxMs: 'PROPHASIS_PIPELINE_BATCH_MAX_MS',
      recomputeMs: 'PROPHASIS_PIPELINE_RECOMPUTE_MS',
      noDataSweepMs: 'PROPHASIS_PIPELINE_NO_DATA_SWEEP_MS',
    },
    environment,
    overrides,
  });
}
