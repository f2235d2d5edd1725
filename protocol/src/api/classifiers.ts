import { Params, PluginId, Timestamp } from '../schema-common.js';
import { type Static, Type } from '@sinclair/typebox';
import { Nullable, ObjectId, ResultTypeName, SeverityName } from './common.js';

/** The REST API's shapes (protocol/src/api.ts): classifier overrides and "try before you save" (docs/classifiers.md). */

/** Lua source of a classifier (text; the sandbox refuses more than 64 KiB). */
const ClassifierCode = Type.String({ minLength: 1, maxLength: 65_536 });
const CLASSIFIER_SCOPES = ['check', 'group', 'host'] as const;
const ClassifierScope = Type.Union(CLASSIFIER_SCOPES.map((s) => Type.Literal(s)));
/** Why a classification gave `unknown` instead of the classifier's answer. */
const ClassifierError = Type.Object({
  kind: Type.Union(['compile', 'runtime', 'timeout', 'memory', 'invalid_return'].map((k) => Type.Literal(k))),
  message: Type.String(),
});

/** `POST /api/classifiers/test`: run `code` over a host's stored results of a plugin in `[from, to]`. */
export const ClassifierHistoryRequest = Type.Object(
  {
    code: ClassifierCode,
    hostId: ObjectId,
    pluginId: PluginId,
    from: Timestamp,
    to: Timestamp,
    /** Replaces the check's parameters of every result; omitted: each result's own check parameters. */
    params: Type.Optional(Params),
  },
  { additionalProperties: false },
);
export type ClassifierHistoryRequest = Static<typeof ClassifierHistoryRequest>;

const ClassifierHistoryPoint = Type.Object({
  /** Measured time of the result. */
  at: Timestamp,
  value: Nullable(Type.Number()),
  severity: SeverityName,
  error: Type.Optional(ClassifierError),
});

export const ClassifierHistoryResult = Type.Object({
  points: Type.Array(ClassifierHistoryPoint),
  /** Every change of severity between consecutive points, at the later point's time. */
  transitions: Type.Array(Type.Object({ at: Timestamp, from: SeverityName, to: SeverityName })),
  /** Points per severity (only severities that occurred). */
  counts: Type.Record(Type.String(), Type.Integer()),
  transitionCount: Type.Integer(),
  /** Points that ended as `unknown` because of an error. */
  errors: Type.Integer(),
  /** True when the range held more results than `limit`: only the first `limit` were classified. */
  capped: Type.Boolean(),
  limit: Type.Integer(),
  /** The plugin's history window n the classifier saw. */
  historyCount: Type.Integer(),
});
export type ClassifierHistoryResult = Static<typeof ClassifierHistoryResult>;

/** `POST /api/classifiers/test-values`: classify one window given directly (oldest first). */
export const ClassifierValuesRequest = Type.Object(
  {
    code: ClassifierCode,
    values: Type.Array(Nullable(Type.Number()), { maxItems: 10_000 }),
    messages: Type.Optional(Type.Array(Nullable(Type.String({ maxLength: 65_536 })), { maxItems: 10_000 })),
    resultTypes: Type.Optional(Type.Array(ResultTypeName, { maxItems: 10_000 })),
    params: Type.Optional(Params),
  },
  { additionalProperties: false },
);
export type ClassifierValuesRequest = Static<typeof ClassifierValuesRequest>;

export const ClassifierValuesResult = Type.Object({ severity: SeverityName, error: Type.Optional(ClassifierError) });
export type ClassifierValuesResult = Static<typeof ClassifierValuesResult>;

/** A stored override of a plugin's default classifier for one check, host group or host. */
export const ClassifierOverride = Type.Object({
  id: ObjectId,
  pluginId: PluginId,
  scope: ClassifierScope,
  scopeId: ObjectId,
  code: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ClassifierOverride = Static<typeof ClassifierOverride>;

/** `PUT /api/classifier-overrides`: creates or replaces the override of (pluginId, scope, scopeId). */
export const ClassifierOverrideInput = Type.Object(
  { pluginId: PluginId, scope: ClassifierScope, scopeId: ObjectId, code: ClassifierCode },
  { additionalProperties: false },
);
export type ClassifierOverrideInput = Static<typeof ClassifierOverrideInput>;

export const ClassifierOverrideQuery = Type.Object({ pluginId: Type.Optional(PluginId) }, { additionalProperties: false });

export const EffectiveClassifierQuery = Type.Object(
  { hostId: ObjectId, pluginId: PluginId, checkId: Type.Optional(ObjectId) },
  { additionalProperties: false },
);
export type EffectiveClassifierQuery = Static<typeof EffectiveClassifierQuery>;

/** Which classifier applies to a host, plugin (and check) and why: the most specific scope wins. */
export const EffectiveClassifier = Type.Object({
  source: Type.Union([Type.Literal('check'), Type.Literal('host'), Type.Literal('group'), Type.Literal('default')]),
  /** The check, host or group whose override applies; absent for `default`. */
  scopeId: Type.Optional(ObjectId),
  /** The plugin version whose default classifier applies (`source: 'default'`). */
  version: Type.Optional(Type.String()),
  code: Type.String(),
});
export type EffectiveClassifier = Static<typeof EffectiveClassifier>;
