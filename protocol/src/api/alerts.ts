import { PluginId, Timestamp } from '../schema-common.js';
import { SEVERITIES } from '../severity.js';
import { type Static, Type } from '@sinclair/typebox';
import { Ids, Name, ObjectId, SeverityName } from './common.js';

/** The REST API's shapes (protocol/src/api.ts): alerts. */

const AlertScopes = Type.Object(
  {
    hostIds: Ids(),
    groupIds: Ids(1000),
    serviceIds: Ids(1000),
    pluginIds: Type.Array(PluginId, { maxItems: 1000, uniqueItems: true, default: [] }),
    checkIds: Ids(1000),
  },
  { additionalProperties: false },
);

/** One escalation step (docs/alerts.md, "Repeat and escalation"): when a problem has lasted `afterMinutes` unacknowledged, its notice also goes to `module` with `settings` (its recipients). */
const EscalationStep = Type.Object(
  {
    afterMinutes: Type.Integer({ minimum: 1, maximum: 525_600 }),
    module: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' }),
    settings: Type.Record(Type.String({ maxLength: 128 }), Type.Unknown()),
  },
  { additionalProperties: false },
);

export const Alert = Type.Object({
  id: ObjectId,
  name: Type.String(),
  enabled: Type.Boolean(),
  fromStates: Type.Array(SeverityName),
  toStates: Type.Array(SeverityName),
  /** Each id names one scope; an alert with no scope matches nothing (docs/storage.md). */
  scopes: AlertScopes,
  module: Type.String(),
  settings: Type.Record(Type.String(), Type.Unknown()),
  /** Repeat the notice every so many minutes while the problem lasts unacknowledged; null: never. */
  repeatMinutes: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  escalations: Type.Optional(Type.Array(EscalationStep)),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Alert = Static<typeof Alert>;

export const AlertInput = Type.Object(
  {
    name: Name,
    enabled: Type.Boolean({ default: true }),
    fromStates: Type.Array(SeverityName, { minItems: 1, maxItems: SEVERITIES.length, uniqueItems: true }),
    toStates: Type.Array(SeverityName, { minItems: 1, maxItems: SEVERITIES.length, uniqueItems: true }),
    scopes: Type.Optional(AlertScopes),
    module: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' }),
    settings: Type.Record(Type.String({ maxLength: 128 }), Type.Unknown(), { default: {} }),
    /** 1 minute to 1 week; absent: no repeat. */
    repeatMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_080 })),
    /** Steps like Zabbix's escalations; each step's settings are validated by its module (recipients required). */
    escalations: Type.Optional(Type.Array(EscalationStep, { maxItems: 10 })),
  },
  { additionalProperties: false },
);
export type AlertInput = Static<typeof AlertInput>;

/** An alert module (`GET /api/alert-modules`): its settings as a JSON Schema, for the alert form. */
export const AlertModuleInfo = Type.Object({ id: Type.String(), label: Type.String(), settingsSchema: Type.Unknown() });
export type AlertModuleInfo = Static<typeof AlertModuleInfo>;

/** `POST /api/alerts/test`: try unsaved settings. */
export const AlertTestRequest = Type.Object(
  {
    module: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' }),
    settings: Type.Record(Type.String({ maxLength: 128 }), Type.Unknown(), { default: {} }),
    /** The name of the alert being edited, as on screen (saved or not): the test message names it instead of "Test". */
    name: Type.Optional(Name),
  },
  { additionalProperties: false },
);
export type AlertTestRequest = Static<typeof AlertTestRequest>;

/** A failed delivery is a result (`ok: false` with the reason), not an error response. */
export const AlertTestResult = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) });

/** One notification (`GET /api/alert-deliveries`, docs/alerts.md "Notification history"): a row of `alert_deliveries`. */
export const AlertDelivery = Type.Object({
  id: Type.String(),
  alertId: Type.Integer(),
  /** The alert's name when it was sent. */
  alert: Type.String(),
  module: Type.String(),
  /** Who it went to: e-mail addresses, a webhook's host, a command's program (never a URL's path or query, which may hold a token). */
  recipients: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
  createdAt: Type.Integer(),
  /** When it was delivered or abandoned; null while pending. */
  finishedAt: Type.Union([Type.Integer(), Type.Null()]),
  /** The next attempt, while pending. */
  nextAt: Type.Union([Type.Integer(), Type.Null()]),
  subject: Type.String(),
  /** The text that was sent (the module's templates applied, action links' tokens cut out); the default text before the first attempt. */
  text: Type.String(),
  hostId: Type.Union([Type.Integer(), Type.Null()]),
  serviceId: Type.Union([Type.Integer(), Type.Null()]),
});
export type AlertDelivery = Static<typeof AlertDelivery>;

export const AlertDeliveryQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')])),
    alertId: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Epoch ms: created at or after / before. */
    from: Type.Optional(Type.Integer({ minimum: 0 })),
    to: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);
export type AlertDeliveryQuery = Static<typeof AlertDeliveryQuery>;
export type AlertTestResult = Static<typeof AlertTestResult>;
