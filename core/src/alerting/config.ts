import { Type, type Static } from '@sinclair/typebox';
import { loadConfig } from '@prophasis/protocol';

/** Settings of alert delivery (docs/alerts.md, "Delivery and retries"). */
const AlertingConfigSchema = Type.Object(
  {
    /** Attempts per delivery, the first included, before it is abandoned. */
    maxAttempts: Type.Integer({ minimum: 1, maximum: 100 }),
    /** Wait before the second attempt; each further wait is `backoffFactor` times longer. */
    initialBackoffMs: Type.Integer({ minimum: 1, maximum: 3_600_000 }),
    backoffFactor: Type.Number({ minimum: 1, maximum: 10 }),
    /** No wait is longer than this. */
    maxBackoffMs: Type.Integer({ minimum: 1, maximum: 86_400_000 }),
    /**
     * Each wait is shortened by a random fraction of itself up to this, so that deliveries
     * that failed together (one webhook endpoint down for 50 alerts) do not retry together.
     */
    backoffJitter: Type.Number({ minimum: 0, maximum: 0.9 }),
    /** Deliveries attempted at the same time. */
    concurrency: Type.Integer({ minimum: 1, maximum: 64 }),
    /** Alerts and their scopes are re-read at most this often (and at once after `invalidate()`). */
    rulesCacheMs: Type.Integer({ minimum: 0, maximum: 600_000 }),
    /** Connection, greeting and socket timeout of the SMTP client. */
    emailTimeoutMs: Type.Integer({ minimum: 1000, maximum: 300_000 }),
    /** `state_transitions` is read at least this often; a `state.changed` event reads it at once. */
    pollIntervalMs: Type.Integer({ minimum: 10, maximum: 600_000 }),
    /** Transitions read and turned into deliveries per database transaction. */
    intakeBatchSize: Type.Integer({ minimum: 1, maximum: 10_000 }),
    /** PostgreSQL: warn in the system log when committed transitions have waited this long behind a running transaction. */
    intakeWaitWarnMs: Type.Integer({ minimum: 1000, maximum: 86_400_000 }),
    /** How often ended silences and maintenance windows release the notices they held (docs/alerts.md). */
    silenceCheckMs: Type.Integer({ minimum: 10, maximum: 600_000 }),
    /** How long the Acknowledge/Mute links in a notification work (docs/alerts.md, "Action links"). */
    actionLinkTtlMs: Type.Integer({ minimum: 60_000, maximum: 30 * 86_400_000 }),
  },
  { additionalProperties: false },
);
export type AlertingConfig = Static<typeof AlertingConfigSchema>;

export const ALERTING_DEFAULTS: AlertingConfig = {
  maxAttempts: 5, // 5 attempts …
  initialBackoffMs: 40_000, // … waiting 40 s, 80 s, 160 s, 320 s between them: 10 minutes in all
  backoffFactor: 2,
  maxBackoffMs: 600_000, // 10 minutes
  backoffJitter: 0.2, // each wait 80–100 % of the above, so at most 10 minutes in all
  concurrency: 4,
  rulesCacheMs: 5_000, // 5 s
  emailTimeoutMs: 30_000, // 30 s
  pollIntervalMs: 2_000, // 2 s, the fallback: state.changed events read at once
  intakeBatchSize: 500, // transitions
  intakeWaitWarnMs: 60_000, // 1 minute
  silenceCheckMs: 15_000, // 15 s: a window's end is noticed within this
  actionLinkTtlMs: 3 * 86_400_000, // 3 days: a weekend on call
};

/** Reads alerting's settings from defaults ← environment ← overrides. */
export function readAlertingConfig(environment: NodeJS.ProcessEnv = process.env, overrides: Partial<AlertingConfig> = {}): AlertingConfig {
  return loadConfig({
    schema: AlertingConfigSchema,
    defaults: ALERTING_DEFAULTS,
    env: {
      maxAttempts: 'PROPHASIS_ALERT_MAX_ATTEMPTS',
      initialBackoffMs: 'PROPHASIS_ALERT_BACKOFF_MS',
      pollIntervalMs: 'PROPHASIS_ALERT_POLL_MS',
      silenceCheckMs: 'PROPHASIS_ALERT_SILENCE_CHECK_MS',
    },
    environment,
    overrides,
  });
}

/**
 * Wait before attempt `attempt + 1` after `attempt` failed attempts (1-based). `random` in
 * [0, 1) shortens it by up to `backoffJitter` of itself; 0 gives the full exponential wait.
 */
export function backoffMs(
  config: Pick<AlertingConfig, 'initialBackoffMs' | 'backoffFactor' | 'maxBackoffMs'> & { backoffJitter?: number },
  attempt: number,
  random = 0,
): number {
  const full = Math.min(config.maxBackoffMs, config.initialBackoffMs * config.backoffFactor ** (attempt - 1));
  return Math.round(full * (1 - (config.backoffJitter ?? 0) * random));
}
