import { type Static, Type } from '@sinclair/typebox';

/** The REST API's shapes (protocol/src/api.ts): settings. */

export const SmtpSettings = Type.Object(
  {
    host: Type.String({ maxLength: 255 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    secure: Type.Boolean(),
    user: Type.String({ maxLength: 255 }),
    from: Type.String({ maxLength: 255 }),
  },
  { additionalProperties: false },
);

export const Settings = Type.Object({
  /** How late a scheduled run may still start, ms. */
  maxLatenessMs: Type.Integer({ minimum: 0 }),
  /** How long raw results are kept, days. */
  retentionRawDays: Type.Integer({ minimum: 1 }),
  /** How long per-minute rollups are kept, days. */
  retentionMinuteDays: Type.Integer({ minimum: 1 }),
  /** How long per-hour rollups are kept, days. */
  retentionHourDays: Type.Integer({ minimum: 1 }),
  /** How long system log entries are kept, days. */
  retentionSystemLogDays: Type.Integer({ minimum: 1 }),
  /** How long state transitions are kept, days. */
  retentionTransitionsDays: Type.Integer({ minimum: 1 }),
  /** How long audit-trail entries are kept, days. */
  retentionAuditDays: Type.Integer({ minimum: 1 }),
  /** How long an alert delivery that is neither delivered nor due is kept, days. */
  retentionAlertDeliveriesDays: Type.Integer({ minimum: 1 }),
  /** How long an enrolment token is kept after it expired, days. */
  retentionEnrolmentTokensDays: Type.Integer({ minimum: 1 }),
  /** Flap detection (docs/alerts.md, "Flapping"): stops at or below this weighted percent state change … */
  flapLowPercent: Type.Number(),
  /** … starts at or above this. */
  flapHighPercent: Type.Number(),
  /** The console's base URL in notifications' links; empty: the core's public URL. */
  publicUrl: Type.String(),
  smtp: SmtpSettings,
  /** The SMTP password is write-only: responses only say whether one is set. */
  smtpPasswordSet: Type.Boolean(),
});
export type Settings = Static<typeof Settings>;

export const SettingsInput = Type.Object(
  {
    maxLatenessMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
    retentionRawDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    retentionMinuteDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    retentionHourDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
    retentionSystemLogDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    retentionTransitionsDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
    retentionAuditDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
    retentionAlertDeliveriesDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    retentionEnrolmentTokensDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    flapLowPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    flapHighPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    publicUrl: Type.Optional(Type.String({ maxLength: 2048, pattern: '^(https?://[^\\s/?#]+[^\\s?#]*)?$' })),
    smtp: Type.Optional(Type.Partial(SmtpSettings)),
    /** Empty string clears the stored password. */
    smtpPassword: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type SettingsInput = Static<typeof SettingsInput>;
