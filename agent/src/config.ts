import { Type, type Static } from '@sinclair/typebox';
import { dataDir, LOG_LEVELS, loadConfig } from '@prophasis/protocol';
import { SANDBOX_DEFAULTS, SANDBOX_IDLE_DEFAULT_MS, SandboxConfigSchema, type PluginRunnerConfig } from './sandbox/runner.js';

/** The agent's configuration (docs/agent.md). Everything has a safe default; most hosts set nothing. */
const AgentConfigSchema = Type.Object(
  {
    /** Where credentials.json (and later the bundles and the outbox) live. */
    dataDir: Type.String({ minLength: 1 }),
    logLevel: Type.Union([...LOG_LEVELS, 'silent'].map((l) => Type.Literal(l))),
    keepaliveSeconds: Type.Integer({ minimum: 5, maximum: 3600 }),
    connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 300_000 }),
    enrolTimeoutMs: Type.Integer({ minimum: 100, maximum: 300_000 }),
    reconnectInitialMs: Type.Integer({ minimum: 1, maximum: 3_600_000 }),
    reconnectMaxMs: Type.Integer({ minimum: 1, maximum: 3_600_000 }),
    reconnectResetAfterMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
    /** Ceiling of the reconnect delay during the first `reconnectEarlyWindowMs` of an outage. */
    reconnectEarlyMaxMs: Type.Integer({ minimum: 1, maximum: 3_600_000 }),
    reconnectEarlyWindowMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
    /** Outbox size cap, results (docs/outbox.md). The core's `config.set` may change it (≥ 1,000 there). */
    outboxMaxResults: Type.Integer({ minimum: 10, maximum: 100_000_000 }),
    /** Outbox age cap, ms. */
    outboxMaxAgeMs: Type.Integer({ minimum: 1_000, maximum: 90 * 24 * 3_600_000 }),
    /** Results per `result` message while draining (the protocol allows 500). */
    drainBatchSize: Type.Integer({ minimum: 1, maximum: 500 }),
    /** `result` messages awaiting their PUBACK at the same time while draining. */
    drainInFlight: Type.Integer({ minimum: 1, maximum: 64 }),
    /** How often a non-zero `agent.report` (missed slots, dropped results) is sent, ms. */
    reportIntervalMs: Type.Integer({ minimum: 1_000, maximum: 86_400_000 }),
    /** The operator's cap on a plugin's isolate heap, MiB (docs/plugins.md, "Limits"); a manifest may ask for less. */
    sandboxMemoryMiB: SandboxConfigSchema.properties.memoryMiB,
    /** The operator's cap on a plugin run's wall-clock time, ms; a manifest, plan entry or `check.run` may ask for less. */
    sandboxTimeoutMs: SandboxConfigSchema.properties.timeoutMs,
    /** Stop the sandbox process after this long without a plugin run, ms (started again by the next run); 0 keeps it. */
    sandboxIdleMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
    /** `prophasis-agent upgrade`: how long a new version has to connect before it is rolled back, ms. */
    upgradeRollbackMs: Type.Integer({ minimum: 1_000, maximum: 3_600_000 }),
  },
  { additionalProperties: false },
);
export type AgentConfig = Static<typeof AgentConfigSchema>;

/**
 * Reads the agent's configuration: defaults ← `PROPHASIS_AGENT_CONFIG` (a JSON file) ←
 * environment ← `overrides`. Throws `PROTO_INVALID_CONFIG` naming the bad key.
 */
export function readAgentConfig(environment: NodeJS.ProcessEnv = process.env, overrides: Partial<AgentConfig> = {}): AgentConfig {
  const dir = overrides.dataDir ?? dataDir('agent', environment);
  return loadConfig({
    schema: AgentConfigSchema,
    defaults: {
      dataDir: dir,
      logLevel: 'info',
      keepaliveSeconds: 30, // MQTT keepalive; the broker drops us after 1.5× this without traffic
      connectTimeoutMs: 30_000, // 30 s from TCP connect to CONNACK
      enrolTimeoutMs: 30_000, // 30 s from CONNECT to enrol.response
      reconnectInitialMs: 1_000, // 1 s: first reconnect delay bound (full jitter: uniform in [0, bound])
      reconnectMaxMs: 60_000, // 1 min: the bound stops doubling here
      reconnectResetAfterMs: 60_000, // 1 min: a connection that lasted longer resets the backoff
      reconnectEarlyMaxMs: 5_000, // 5 s: the bound during an outage's first minute (a core restart)
      reconnectEarlyWindowMs: 60_000, // 1 min: then the bound doubles on towards reconnectMaxMs
      // 100 checks a minute for a week: 100 × 60 × 24 × 7 = 1,008,000 results, about 1 million
      // (≈ 300 bytes each on disk: ~300 MiB at the cap).
      outboxMaxResults: 1_000_000,
      outboxMaxAgeMs: 8 * 24 * 3_600_000, // 8 days: a week offline plus a day's margin
      drainBatchSize: 500, // results per message: the protocol's maximum
      drainInFlight: 4, // messages awaiting PUBACK at once: keeps the pipe full on a slow link
      reportIntervalMs: 60_000, // 1 min
      sandboxMemoryMiB: SANDBOX_DEFAULTS.memoryMiB, // 64 MiB isolate heap per run
      sandboxTimeoutMs: SANDBOX_DEFAULTS.timeoutMs, // 10 s per run, host calls included
      sandboxIdleMs: SANDBOX_IDLE_DEFAULT_MS, // 1 min without a run: the sandbox process goes
      // 2 min: a start (a few seconds) plus the early reconnect window after a core restart
      upgradeRollbackMs: 120_000,
    },
    env: {
      dataDir: 'PROPHASIS_DATA_DIR',
      logLevel: 'PROPHASIS_LOG_LEVEL',
      sandboxMemoryMiB: 'PROPHASIS_SANDBOX_MEMORY_MIB',
      sandboxTimeoutMs: 'PROPHASIS_SANDBOX_TIMEOUT_MS',
      sandboxIdleMs: 'PROPHASIS_SANDBOX_IDLE_MS',
      upgradeRollbackMs: 'PROPHASIS_UPGRADE_ROLLBACK_MS',
    },
    environment,
    ...(environment.PROPHASIS_AGENT_CONFIG ? { file: environment.PROPHASIS_AGENT_CONFIG } : {}),
    overrides: { ...overrides, dataDir: dir },
  });
}

/** The sandbox caps and idle time in the shape `createPluginRunner` takes. */
export function sandboxConfig(config: Pick<AgentConfig, 'sandboxMemoryMiB' | 'sandboxTimeoutMs' | 'sandboxIdleMs'>): PluginRunnerConfig {
  return { memoryMiB: config.sandboxMemoryMiB, timeoutMs: config.sandboxTimeoutMs, idleMs: config.sandboxIdleMs };
}
