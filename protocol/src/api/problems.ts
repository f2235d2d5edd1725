import { PluginId, Timestamp } from '../schema-common.js';
import { type Static, Type } from '@sinclair/typebox';
import { Ids, Name, Nullable, ObjectId, SeverityName } from './common.js';

/** The REST API's shapes (protocol/src/api.ts): problems: acknowledgements and silences (docs/alerts.md). */

/** A problem: a host's own state (`hostId`), a plugin on a host (`hostId` and `pluginId`, the plugin's row id), or a service (`serviceId`). */
export const ProblemRef = Type.Object(
  { hostId: Type.Optional(ObjectId), pluginId: Type.Optional(ObjectId), serviceId: Type.Optional(ObjectId) },
  { additionalProperties: false },
);
export type ProblemRef = Static<typeof ProblemRef>;

/** `POST /api/acknowledgements`: "I'm on it". `sticky`: until the problem is ok again, not only until its state changes. */
export const AcknowledgementInput = Type.Object(
  {
    problem: ProblemRef,
    comment: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }),
    sticky: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type AcknowledgementInput = Static<typeof AcknowledgementInput>;

export const Acknowledgement = Type.Object({
  id: ObjectId,
  /** `h:<host>`, `h:<host>:p:<plugin row>` or `s:<service>`. */
  problem: Type.String(),
  severity: SeverityName,
  sticky: Type.Boolean(),
  comment: Type.String(),
  by: Type.String(),
  createdAt: Timestamp,
});
export type Acknowledgement = Static<typeof Acknowledgement>;

const TimeOfDay = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, 24 h, on the clocks of timeZone' });

const SilenceScopes = Type.Object(
  {
    hostIds: Ids(1000),
    groupIds: Ids(1000),
    serviceIds: Ids(1000),
    checkIds: Ids(1000),
    pluginIds: Type.Array(PluginId, { maxItems: 1000, uniqueItems: true, default: [] }),
    /** One problem only, e.g. one plugin on one host (`{ hostId, pluginId }`, the plugin's row id); shown back as its key. */
    problem: Type.Optional(ProblemRef),
  },
  { additionalProperties: false },
);

/**
 * `POST /api/silences`: a one-off silence (`startsAt`–`endsAt`) or a recurring maintenance
 * window (`daily`/`weekly`: `startTime`–`endTime` in `timeZone`, `weekdays` ISO 1 = Monday).
 */
export const SilenceInput = Type.Object(
  {
    name: Name,
    comment: Type.String({ maxLength: 2000, default: '' }),
    kind: Type.Union([Type.Literal('once'), Type.Literal('daily'), Type.Literal('weekly')]),
    startsAt: Type.Optional(Timestamp),
    endsAt: Type.Optional(Timestamp),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    startTime: Type.Optional(TimeOfDay),
    endTime: Type.Optional(TimeOfDay),
    weekdays: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, uniqueItems: true })),
    scopes: SilenceScopes,
  },
  { additionalProperties: false },
);
export type SilenceInput = Static<typeof SilenceInput>;

export const Silence = Type.Object({
  id: ObjectId,
  name: Type.String(),
  comment: Type.String(),
  kind: Type.Union([Type.Literal('once'), Type.Literal('daily'), Type.Literal('weekly'), Type.Literal('until-ok')]),
  startsAt: Nullable(Timestamp),
  endsAt: Nullable(Timestamp),
  timeZone: Nullable(Type.String()),
  startTime: Nullable(Type.String()),
  endTime: Nullable(Type.String()),
  weekdays: Type.Array(Type.Integer()),
  scopes: Type.Object({
    hostIds: Type.Array(ObjectId),
    groupIds: Type.Array(ObjectId),
    serviceIds: Type.Array(ObjectId),
    checkIds: Type.Array(ObjectId),
    pluginIds: Type.Array(Type.String()),
    problem: Type.Optional(Type.String()),
  }),
  /** Active now (the console's "in maintenance"). */
  active: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Timestamp,
});
export type Silence = Static<typeof Silence>;
