import { Type, type Static } from '@sinclair/typebox';
import { loadConfig } from '@prophasis/protocol';
import { availableParallelism } from 'node:os';

/** Settings of the classification engine (docs/classifiers.md, "The sandbox and its limits"). */
const ClassificationConfigSchema = Type.Object(
  {
    /** Worker threads, each with its own Lua state. */
    workers: Type.Integer({ minimum: 1, maximum: 256 }),
    /** Time budget of one classification (compile + run). */
    timeoutMs: Type.Integer({ minimum: 1, maximum: 60_000 }),
    /** Extra time the pool waits before terminating a worker that overran without its hook firing. */
    killGraceMs: Type.Integer({ minimum: 10, maximum: 60_000 }),
    /** Lua heap cap of each worker's state. */
    memoryMiB: Type.Integer({ minimum: 1, maximum: 1024 }),
    /** Compiled classifiers cached per worker. */
    maxCompiled: Type.Integer({ minimum: 1, maximum: 100_000 }),
  },
  { additionalProperties: false },
);
export type ClassificationConfig = Static<typeof ClassificationConfigSchema>;

/** The defaults, units in the comments. */
export const CLASSIFICATION_DEFAULTS: ClassificationConfig = {
  workers: availableParallelism(), // one per CPU
  timeoutMs: 50, // 50 ms per classification; a batch gets 50 ms per item, item by item
  killGraceMs: 250, // 250 ms of wall-clock time after an item's budget before its worker is terminated
  memoryMiB: 16, // 16 MiB of Lua heap per worker
  maxCompiled: 1000, // compiled classifiers per worker (least recently used are dropped)
};

/** Reads the engine's settings from defaults ← environment ← overrides, validated strictly. */
export function readClassificationConfig(
  environment: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ClassificationConfig> = {},
): ClassificationConfig {
  return loadConfig({
    schema: ClassificationConfigSchema,
    defaults: CLASSIFICATION_DEFAULTS,
    env: {
      workers: 'PROPHASIS_CLASSIFY_WORKERS',
      timeoutMs: 'PROPHASIS_CLASSIFY_TIMEOUT_MS',
      memoryMiB: 'PROPHASIS_CLASSIFY_MEMORY_MIB',
    },
    environment,
    overrides,
  });
}
