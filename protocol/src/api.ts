import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { RESULT_TYPES, SEVERITIES } from './severity.js';
import { Interval, Params, PluginId, SemVer, Sha256, Timestamp } from './schema-common.js';

/**
 * Shapes of the core's REST API (docs/api.md), shared by the core (request validation and
 * the OpenAPI document) and the web console (types). TypeBox schemas are JSON Schema, so the
 * same object validates requests, documents them and types them. Field names are camelCase;
 * times are epoch milliseconds (UTC) like everywhere else in the protocol.
 */

// ---- building blocks ----------------------------------------------------------------------

export const SeverityName = Type.Union(SEVERITIES.map((s) => Type.Literal(s)));
export const ResultTypeName = Type.Union(RESULT_TYPES.map((t) => Type.Literal(t)));

/** Numeric id of a configuration object (database row). */
export const ObjectId = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const IdParams = Type.Object({ id: ObjectId }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

export const ROLE_NAMES = ['viewer', 'operator', 'admin'] as const;
export const RoleName = Type.Union(ROLE_NAMES.map((r) => Type.Literal(r)));

export const Name = Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' });
export const Description = Type.String({ maxLength: 2000 });

/** Query of every list endpoint: `q` searches names (and descriptions), `sort` is `field` or `-field`. */
export const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    sort: Type.Optional(Type.String({ maxLength: 64, pattern: '^-?[A-Za-z][A-Za-z0-9]*$' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

/** One page of a list, with the total number of matching objects. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() });
export interface PageOf<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Body of every error response. `details.field` names the offending field of a validation error. */
export const ApiErrorBody = Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) });
export type ApiErrorBody = Static<typeof ApiErrorBody>;

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Ids = (maxItems = 10_000) => Type.Array(ObjectId, { maxItems, uniqueItems: true, default: [] });

// ---- auth and users ------------------------------------------------------------------------

export const LoginRequest = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 128 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

export const SetupRequest = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 128 }), name: Name, password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
export type SetupRequest = Static<typeof SetupRequest>;

export const SetupStatus = Type.Object({ required: Type.Boolean() });

export const User = Type.Object({
  id: ObjectId,
  name: Type.String(),
  role: RoleName,
  lastLoginAt: Nullable(Timestamp),
  createdAt: Timestamp,
});
export type User = Static<typeof User>;

export const UserInput = Type.Object(
  {
    name: Name,
    role: RoleName,
    /** Required when creating; on update, omitted keeps the current password. */
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type UserInput = Static<typeof UserInput>;

export const Me = Type.Object({ id: ObjectId, name: Type.String(), role: RoleName, expiresAt: Timestamp });
export type Me = Static<typeof Me>;

// ---- hosts and groups ----------------------------------------------------------------------

export const ENROLMENT_STATES = ['pending', 'enrolled', 'revoked'] as const;

export const Host = Type.Object({
  id: ObjectId,
  name: Type.String(),
  description: Type.String(),
  agentId: Nullable(Type.String()),
  enrolmentState: Type.Union(ENROLMENT_STATES.map((s) => Type.Literal(s))),
  connectedSince: Nullable(Timestamp),
  lastSeen: Nullable(Timestamp),
  unreachableSince: Nullable(Timestamp),
  agentVersion: Nullable(Type.String()),
  platform: Nullable(Type.String()),
  hostname: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Host = Static<typeof Host>;

export const HostInput = Type.Object({ name: Name, description: Type.Optional(Description) }, { additionalProperties: false });
export type HostInput = Static<typeof HostInput>;

export const HostGroup = Type.Object({
  id: ObjectId,
  name: Type.String(),
  description: Type.String(),
  hostIds: Type.Array(ObjectId),
  groupIds: Type.Array(ObjectId),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type HostGroup = Static<typeof HostGroup>;

export const HostGroupInput = Type.Object(
  { name: Name, description: Type.Optional(Description), hostIds: Ids(), groupIds: Ids(1000) },
  { additionalProperties: false },
);
export type HostGroupInput = Static<typeof HostGroupInput>;

// ---- plugins ---------------------------------------------------------------------------------

export const PluginVersion = Type.Object({
  version: SemVer,
  sha256: Sha256,
  publisher: Type.String(),
  requestedCapabilities: Type.Array(Type.String()),
  /** Null until an administrator approved this version's capabilities. */
  approvedCapabilities: Nullable(Type.Array(Type.String())),
  approvedAt: Nullable(Timestamp),
  historyCount: Type.Integer(),
  createdAt: Timestamp,
});

export const Plugin = Type.Object({
  id: ObjectId,
  pluginId: PluginId,
  name: Type.String(),
  description: Type.String(),
  /** The newest version. */
  version: Nullable(SemVer),
  versions: Type.Array(PluginVersion),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Plugin = Static<typeof Plugin>;

// ---- checks and schedules --------------------------------------------------------------------

export const CheckPlugin = Type.Object({ pluginId: PluginId, params: Type.Optional(Params) }, { additionalProperties: false });

export const Check = Type.Object({
  id: ObjectId,
  name: Type.String(),
  description: Type.String(),
  hostIds: Type.Array(ObjectId),
  groupIds: Type.Array(ObjectId),
  plugins: Type.Array(Type.Object({ pluginId: PluginId, params: Params })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Check = Static<typeof Check>;

export const CheckInput = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    hostIds: Ids(),
    groupIds: Ids(1000),
    plugins: Type.Array(CheckPlugin, { maxItems: 200, default: [] }),
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

// ---- services --------------------------------------------------------------------------------

/** A member of a service's structure: one host or one group. */
export const Member = Type.Object({ kind: Type.Union([Type.Literal('host'), Type.Literal('group')]), id: ObjectId }, { additionalProperties: false });
export type Member = Static<typeof Member>;

export const RedundancyGroup = Type.Object(
  { /** Default `group N` (unique within the service). */ name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), members: Type.Array(Member, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

export const Service = Type.Object({
  id: ObjectId,
  name: Type.String(),
  description: Type.String(),
  /** Each must be healthy for the service to be healthy. */
  dependencies: Type.Array(Member),
  /** In each, at least one member must be healthy. */
  redundancyGroups: Type.Array(Type.Object({ name: Type.String(), members: Type.Array(Member) })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Service = Static<typeof Service>;

export const ServiceInput = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    dependencies: Type.Array(Member, { maxItems: 1000, default: [] }),
    redundancyGroups: Type.Array(RedundancyGroup, { maxItems: 100, default: [] }),
  },
  { additionalProperties: false },
);
export type ServiceInput = Static<typeof ServiceInput>;

// ---- alerts ----------------------------------------------------------------------------------

export const AlertScopes = Type.Object(
  {
    hostIds: Ids(),
    groupIds: Ids(1000),
    serviceIds: Ids(1000),
    pluginIds: Type.Array(PluginId, { maxItems: 1000, uniqueItems: true, default: [] }),
    checkIds: Ids(1000),
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
  },
  { additionalProperties: false },
);
export type AlertInput = Static<typeof AlertInput>;

// ---- settings --------------------------------------------------------------------------------

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
    smtp: Type.Optional(Type.Partial(SmtpSettings)),
    /** Empty string clears the stored password. */
    smtpPassword: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type SettingsInput = Static<typeof SettingsInput>;

// ---- reports ---------------------------------------------------------------------------------

export const HostHealth = Type.Object({
  id: ObjectId,
  name: Type.String(),
  /** Worst current severity of the host's plugins; `no_data` when it has none. */
  severity: SeverityName,
  enrolmentState: Type.String(),
  online: Type.Boolean(),
  lastSeen: Nullable(Timestamp),
  plugins: Type.Integer(),
});
export type HostHealth = Static<typeof HostHealth>;

export const SeriesPoint = Type.Object({
  t: Timestamp,
  value: Nullable(Type.Number()),
  min: Type.Optional(Nullable(Type.Number())),
  max: Type.Optional(Nullable(Type.Number())),
  count: Type.Optional(Type.Integer()),
});

export const PluginState = Type.Object({
  pluginId: PluginId,
  checkId: Nullable(ObjectId),
  severity: SeverityName,
  value: Nullable(Type.Number()),
  message: Nullable(Type.String()),
  resultType: Nullable(ResultTypeName),
  measuredAt: Nullable(Timestamp),
  changedAt: Nullable(Timestamp),
  series: Type.Array(SeriesPoint),
});
export type PluginState = Static<typeof PluginState>;

export const HostReport = Type.Object({
  host: Host,
  severity: SeverityName,
  from: Timestamp,
  to: Timestamp,
  /** Width of one series point: 0 for raw results, otherwise the rollup step, ms. */
  resolutionMs: Type.Integer(),
  plugins: Type.Array(PluginState),
});
export type HostReport = Static<typeof HostReport>;

export const RangeQuery = Type.Object(
  { from: Type.Optional(Timestamp), to: Type.Optional(Timestamp) },
  { additionalProperties: false },
);

export const ServiceHealth = Type.Object({
  id: ObjectId,
  name: Type.String(),
  severity: SeverityName,
  /** Each dependency and redundancy group with the severity it contributed. */
  parts: Type.Array(Type.Object({ kind: Type.Union([Type.Literal('dependency'), Type.Literal('redundancy')]), name: Type.String(), severity: SeverityName })),
});
export type ServiceHealth = Static<typeof ServiceHealth>;

export const LOG_LEVEL_NAMES = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

export const LogEntry = Type.Object({
  id: Type.Integer(),
  time: Timestamp,
  level: Type.String(),
  component: Type.String(),
  message: Type.String(),
  context: Type.Unknown(),
});
export type LogEntry = Static<typeof LogEntry>;

export const LogQuery = Type.Object(
  {
    level: Type.Optional(Type.Union(LOG_LEVEL_NAMES.map((l) => Type.Literal(l)))),
    component: Type.Optional(Type.String({ maxLength: 64 })),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    q: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);
export type LogQuery = Static<typeof LogQuery>;

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  time: Timestamp,
  /** Null once the user was deleted; `userName` stays. */
  userId: Nullable(ObjectId),
  userName: Type.String(),
  /** `<resource>.<verb>`, e.g. `hosts.create`, `auth.login`. */
  action: Type.String(),
  targetKind: Type.String(),
  targetId: Nullable(Type.String()),
  summary: Type.Unknown(),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditQuery = Type.Object(
  {
    user: Type.Optional(Type.String({ maxLength: 128 })),
    action: Type.Optional(Type.String({ maxLength: 128 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);

// ---- live events (`GET /api/events`, server-sent events) -------------------------------------

export const API_EVENT_TYPES = ['state.changed', 'host.presence', 'result.stored', 'config.changed'] as const;
export type ApiEventType = (typeof API_EVENT_TYPES)[number];

/** One server-sent event: the SSE `event:` field is `type`, `data:` is this object as JSON. */
export interface ApiEvent {
  type: ApiEventType;
  /** Epoch ms when it happened. */
  ts: number;
  data: Record<string, unknown>;
}
