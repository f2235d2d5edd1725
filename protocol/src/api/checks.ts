import { Interval, Params, PluginId, Timestamp } from '../schema-common.js';
import { type Static, Type } from '@sinclair/typebox';
import { Description, Ids, Name, Nullable, ObjectId } from './common.js';

/** The REST API's shapes (protocol/src/api.ts): checks and schedules. */

const CheckPlugin = Type.Object({ pluginId: PluginId, params: Type.Optional(Params) }, { additionalProperties: false });

export const Check = Type.Object({
  id: ObjectId,
  name: Type.String(),
  description: Type.String(),
  hostIds: Type.Array(ObjectId),
  groupIds: Type.Array(ObjectId),
  plugins: Type.Array(Type.Object({ pluginId: PluginId, params: Params })),
  /** The check's own flap thresholds (docs/alerts.md, "Flapping"); null: the global settings `flapLowPercent`/`flapHighPercent`. */
  flapLowPercent: Nullable(Type.Number()),
  flapHighPercent: Nullable(Type.Number()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Check = Static<typeof Check>;

/** A flap threshold of a check in percent; null (or left out): the global setting. */
// Null first: the API's validator coerces types, and would turn null into 0 for a number branch tried first.
const FlapPercent = Type.Optional(Type.Union([Type.Null(), Type.Number({ minimum: 0, maximum: 100 })]));

export const CheckInput = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    hostIds: Ids(),
    groupIds: Ids(1000),
    plugins: Type.Array(CheckPlugin, { maxItems: 200, default: [] }),
    /** Both or neither; `flapHighPercent` not below `flapLowPercent`. */
    flapLowPercent: FlapPercent,
    flapHighPercent: FlapPercent,
  },
  { additionalProperties: false },
);
export type CheckInput = Static<typeof CheckInput>;

export const Schedule = Type.Object({
  id: ObjectId,
  name: Type.String(),
  description: Type.String(),
  enabled: Type.Boolean(),
  checkIds: Type.Array(ObjectId),
  intervals: Type.Array(Interval),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Schedule = Static<typeof Schedule>;

export const ScheduleInput = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    enabled: Type.Boolean({ default: true }),
    checkIds: Ids(1000),
    intervals: Type.Array(Interval, { minItems: 1, maxItems: 32 }),
  },
  { additionalProperties: false },
);
export type ScheduleInput = Static<typeof ScheduleInput>;
