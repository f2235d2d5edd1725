import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Transaction } from 'sequelize';
import type { Database } from './database.js';
import { DbErrors } from './errors.js';

const PositiveDays = Type.Integer({ minimum: 1, maximum: 36_500 });

/** System-wide settings stored in the `settings` table, one row per key. */
const SettingsSchema = Type.Object(
  {
    /** How late a scheduled run may still start or report before its slot becomes `no_data`. */
    maxLatenessMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
    /** Raw results older than this are deleted. */
    retentionRawDays: PositiveDays,
    /** Minute rollups older than this are deleted. */
    retentionMinuteDays: PositiveDays,
    /** Hour rollups older than this are deleted. */
    retentionHourDays: PositiveDays,
    /** System-log entries older than this are deleted. */
    retentionSystemLogDays: PositiveDays,
    /** State transitions (host, plugin and service history) older than this are deleted. */
    retentionTransitionsDays: PositiveDays,
    /** Audit-trail entries older than this are deleted. */
    retentionAuditDays: PositiveDays,
    /** Alert deliveries neither delivered nor due for an attempt for this long are deleted. */
    retentionAlertDeliveriesDays: PositiveDays,
    /** Enrolment tokens are deleted this long after they expired (used or not). */
    retentionEnrolmentTokensDays: PositiveDays,
    /** Flap detection (docs/alerts.md, "Flapping"): a series stops flapping when its weighted percent state change falls to this. */
    flapLowPercent: Type.Number({ minimum: 0, maximum: 100 }),
    /** … and starts flapping when it rises to this (not below `flapLowPercent`). */
    flapHighPercent: Type.Number({ minimum: 0, maximum: 100 }),
    /** The console's base URL in notifications' links (docs/alerts.md, "Messages"); empty: the core's public URL (`publicUrl`, PROPHASIS_PUBLIC_URL). */
    publicUrl: Type.String({ maxLength: 2048, pattern: '^(https?://[^\\s/?#]+[^\\s?#]*)?$' }),
  },
  { additionalProperties: false },
);
export type Settings = Static<typeof SettingsSchema>;

/** Defaults, also inserted by the first migration. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  maxLatenessMs: 300_000, // 5 minutes
  retentionRawDays: 30,
  retentionMinuteDays: 90,
  retentionHourDays: 730, // 2 years
  retentionSystemLogDays: 90,
  retentionTransitionsDays: 730, // 2 years, as long as the hour rollups: reports over a range need both
  retentionAuditDays: 365,
  retentionAlertDeliveriesDays: 30,
  retentionEnrolmentTokensDays: 7, // an agent presenting an expired token is told so for a week
  flapLowPercent: 20, // Nagios' and Icinga's defaults
  flapHighPercent: 30,
  publicUrl: '',
});

/** All settings; a missing or invalid row falls back to its default, unknown rows are ignored. */
export async function readSettings(db: Database, options: { transaction?: Transaction } = {}): Promise<Settings> {
  const rows = await db.models.Setting.findAll(options);
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const row of rows) {
    if (!(row.key in DEFAULT_SETTINGS)) continue;
    const candidate = { ...out, [row.key]: row.value };
    if (Value.Check(SettingsSchema, candidate)) out[row.key] = row.value;
  }
  return out as Settings;
}

/** Validates and stores some settings (upsert per key); refuses unknown keys and bad values with `CORE_DB_INVALID`. */
export async function writeSettings(
  db: Database,
  changes: Partial<Settings>,
  options: { transaction?: Transaction } = {},
): Promise<Settings> {
  const merged = { ...(await readSettings(db, options)), ...changes };
  if (!Value.Check(SettingsSchema, merged)) {
    const first = [...Value.Errors(SettingsSchema, merged)][0];
    throw DbErrors.INVALID(first ? `setting ${first.path.slice(1) || '(unknown)'}: ${first.message}` : 'settings');
  }
  if (merged.flapHighPercent < merged.flapLowPercent) {
    const field = 'flapHighPercent' in changes ? 'flapHighPercent' : 'flapLowPercent';
    throw DbErrors.INVALID(`setting ${field}: flapHighPercent (${merged.flapHighPercent}) must not be below flapLowPercent (${merged.flapLowPercent})`, { field });
  }
  const now = Date.now();
  for (const [key, value] of Object.entries(changes)) {
    await db.models.Setting.upsert({ key, value, updatedAt: now }, options);
  }
  return merged;
}
