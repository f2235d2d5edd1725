import { Type, type Static } from '@sinclair/typebox';
import { loadConfig } from '@prophasis/protocol';

/** Settings of the housekeeper (docs/configuration.md, "Housekeeping"); how long rows are kept is a setting in the database. */
const HousekeepingConfigSchema = Type.Object(
  {
    /** A run starts this often. */
    intervalMs: Type.Integer({ minimum: 100, maximum: 86_400_000 }),
    /** The first run starts this long after the core did (partitions ahead are made at once). */
    firstRunDelayMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
    /** Rows per DELETE: each chunk is one short write transaction, so ingest never waits long. */
    chunkRows: Type.Integer({ minimum: 100, maximum: 100_000 }),
    /** PostgreSQL: day partitions kept ready beyond today. */
    partitionsAheadDays: Type.Integer({ minimum: 1, maximum: 60 }),
    /** PostgreSQL: how long dropping a partition may wait for its table's lock before it is left for the next run. */
    lockTimeoutMs: Type.Integer({ minimum: 10, maximum: 60_000 }),
  },
  { additionalProperties: false },
);
export type HousekeepingConfig = Static<typeof HousekeepingConfigSchema>;

export const HOUSEKEEPING_DEFAULTS: HousekeepingConfig = {
  intervalMs: 3_600_000, // 1 hour
  firstRunDelayMs: 60_000, // 1 minute: the start is busy enough
  chunkRows: 5_000, // a few tens of ms per chunk on either database
  partitionsAheadDays: 3, // a core stopped over a long weekend still finds today's partition
  lockTimeoutMs: 1_000, // 1 s: the longest an INSERT queued behind a waiting DROP may wait
};

/**
 * Reads the housekeeper's settings: defaults, overridden by `PROPHASIS_HOUSEKEEPING_INTERVAL_MS`
 * and `PROPHASIS_HOUSEKEEPING_FIRST_RUN_MS`.
 */
export function readHousekeepingConfig(environment: NodeJS.ProcessEnv = process.env, overrides: Partial<HousekeepingConfig> = {}): HousekeepingConfig {
  return loadConfig({
    schema: HousekeepingConfigSchema,
    defaults: HOUSEKEEPING_DEFAULTS,
    env: {
      intervalMs: 'PROPHASIS_HOUSEKEEPING_INTERVAL_MS',
      firstRunDelayMs: 'PROPHASIS_HOUSEKEEPING_FIRST_RUN_MS',
    },
    environment,
    overrides,
  });
}
