import { PRESENCE_STATES } from '../presence.js';
import { PluginId, Timestamp } from '../schema-common.js';
import { type Static, Type } from '@sinclair/typebox';
import { Nullable, ObjectId, ResultTypeName, SeverityName } from './common.js';
import { Host } from './hosts.js';

/** The REST API's shapes (protocol/src/api.ts): reports. */

/** Where a host's agent stands (protocol's `hostPresence`, docs/api.md "Reports"). */
export const HostPresence = Type.Object({
  state: Type.Union(PRESENCE_STATES.map((s) => Type.Literal(s))),
  /** Connected since, disconnected since (last heard from; null if it never connected), unreachable since; null when pending or revoked. */
  since: Nullable(Timestamp),
  /** When the agent was last heard from. */
  lastSeen: Nullable(Timestamp),
});
export type HostPresence = Static<typeof HostPresence>;

/** An acknowledged problem (docs/alerts.md, "Acknowledging"): who, why, since when; `sticky` until ok again. */
export const AcknowledgedMark = Type.Object({ id: ObjectId, by: Type.String(), comment: Type.String(), sticky: Type.Boolean(), at: Timestamp });
export type AcknowledgedMark = Static<typeof AcknowledgedMark>;
/** A problem a silence or maintenance window covers now: no notification is sent for it. */
export const MaintenanceMark = Type.Object({ silenceId: ObjectId, name: Type.String() });
export type MaintenanceMark = Static<typeof MaintenanceMark>;
/** A problem whose host is cut off by a down ancestor (docs/alerts.md, "Dependencies"): no notification of its own. */
const CausedByMark = Type.Object({ hostId: ObjectId, name: Type.String() });
/** Marks every list and report carries for a problem; null when not acknowledged / not in maintenance / not caused by a parent. */
const ProblemMarks = { acknowledged: Type.Optional(Nullable(AcknowledgedMark)), maintenance: Type.Optional(Nullable(MaintenanceMark)), causedBy: Type.Optional(Nullable(CausedByMark)) };

export const HostHealth = Type.Object({
  id: ObjectId,
  name: Type.String(),
  /** The host's state: the worst of its plugins' current severities and of its reachability (unreachable → `major`); `no_data` when it has neither. */
  severity: SeverityName,
  enrolmentState: Type.String(),
  presence: HostPresence,
  /** `presence.state === 'connected'`. */
  online: Type.Boolean(),
  lastSeen: Nullable(Timestamp),
  plugins: Type.Integer(),
  /** The host's own problem (its severity): acknowledged, in maintenance. */
  ...ProblemMarks,
});
export type HostHealth = Static<typeof HostHealth>;

const SeriesPoint = Type.Object({
  t: Timestamp,
  value: Nullable(Type.Number()),
  min: Type.Optional(Nullable(Type.Number())),
  max: Type.Optional(Nullable(Type.Number())),
  count: Type.Optional(Type.Integer()),
});

/**
 * One plugin of a host: its current state (`severity`, since `changedAt`) and its newest stored
 * result (`checkId`, `value`, `message`, `resultType`, `measuredAt`), which may be newer than
 * the result that last changed the state.
 */
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
  ...ProblemMarks,
});
export type PluginState = Static<typeof PluginState>;

export const HostReport = Type.Object({
  host: Host,
  /** The same state as the host's entry in `GET /api/reports/hosts`. */
  severity: SeverityName,
  presence: HostPresence,
  from: Timestamp,
  to: Timestamp,
  /** Width of one series point: 0 for raw results, otherwise the rollup step, ms. */
  resolutionMs: Type.Integer(),
  plugins: Type.Array(PluginState),
  ...ProblemMarks,
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
  ...ProblemMarks,
});
export type ServiceHealth = Static<typeof ServiceHealth>;

/** `GET /api/reports/transitions`: filters and paging (times: `[from, to)`). */
export const TransitionQuery = Type.Object(
  {
    hostId: Type.Optional(ObjectId),
    serviceId: Type.Optional(ObjectId),
    pluginId: Type.Optional(PluginId),
    /** Transitions of the group's hosts (nested groups included) and of their plugins. */
    groupId: Type.Optional(ObjectId),
    /** Transitions to this severity. */
    severity: Type.Optional(SeverityName),
    /** Whose problem is acknowledged now (true) or not (false). */
    acknowledged: Type.Optional(Type.Boolean()),
    /** Whose problem a silence or maintenance window covers now (true) or not (false). */
    maintenance: Type.Optional(Type.Boolean()),
    /** Whose problem is flapping now (true) or not (false). */
    flapping: Type.Optional(Type.Boolean()),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);
export type TransitionQuery = Static<typeof TransitionQuery>;

/**
 * One change of severity: of a plugin on a host (`hostId` and `pluginId`), of a host as a whole
 * (`hostId` only) or of a service (`serviceId`). Names are resolved; null once the object is gone.
 */
export const StateTransition = Type.Object({
  id: Type.Integer(),
  at: Timestamp,
  hostId: Nullable(ObjectId),
  hostName: Nullable(Type.String()),
  serviceId: Nullable(ObjectId),
  serviceName: Nullable(Type.String()),
  pluginId: Nullable(PluginId),
  pluginName: Nullable(Type.String()),
  from: SeverityName,
  to: SeverityName,
  /** Caused by a result that arrived after `maxLatenessMs`. */
  late: Type.Boolean(),
  /** The problem the transition belongs to (`h:<host>`, `h:<host>:p:<plugin row>`, `s:<service>`), as acknowledgements name it. */
  problem: Type.Optional(Type.String()),
  /** Its problem's marks now: acknowledged, in maintenance. */
  ...ProblemMarks,
  /** Its problem is flapping now (docs/alerts.md, "Flapping"). */
  flapping: Type.Optional(Type.Boolean()),
});
export type StateTransition = Static<typeof StateTransition>;

/** `GET /api/reports/hosts/:id/messages` (times: `[from, to)`). */
export const MessageQuery = Type.Object(
  {
    pluginId: Type.Optional(PluginId),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);
export type MessageQuery = Static<typeof MessageQuery>;

/** A stored result of the host that carried a message. */
export const HostMessage = Type.Object({
  resultId: Type.String(),
  pluginId: PluginId,
  pluginName: Type.String(),
  checkId: Nullable(Type.Integer()),
  measuredAt: Timestamp,
  severity: SeverityName,
  resultType: ResultTypeName,
  value: Nullable(Type.Number()),
  message: Type.String(),
  late: Type.Boolean(),
});
export type HostMessage = Static<typeof HostMessage>;

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

/** `GET /api/audit`: filters (all optional, combined with AND; times `[from, to)`) and paging. */
export const AuditQuery = Type.Object(
  {
    /** The user's name, exactly. */
    user: Type.Optional(Type.String({ maxLength: 128 })),
    /** Actions starting with this text (`hosts.` or `hosts.create`). */
    action: Type.Optional(Type.String({ maxLength: 128 })),
    /** The kind of object changed (`host`, `plugin`, `publisher`, …), exactly. */
    targetKind: Type.Optional(Type.String({ maxLength: 32 })),
    /** The object's id (as the trail stores it: a row id, a reverse-DNS plugin id, a key fingerprint), exactly. */
    targetId: Type.Optional(Type.String({ maxLength: 64 })),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

/** The severities that count as a problem: everything but `ok` and `no_data` (protocol order, worst first). */
export const PROBLEM_SEVERITIES = ['critical', 'major', 'minor', 'degraded', 'unknown'] as const;
export type ProblemSeverity = (typeof PROBLEM_SEVERITIES)[number];

/**
 * A problem now (`GET /api/reports/problems`): a plugin on a host that is not ok, a host whose
 * agent is unreachable (its own problem), or a service that is not ok; with its marks.
 */
export const CurrentProblem = Type.Object({
  /** `h:<host>`, `h:<host>:p:<plugin row>` or `s:<service>`, as acknowledgements name it. */
  problem: Type.String(),
  kind: Type.Union([Type.Literal('plugin'), Type.Literal('host'), Type.Literal('service')]),
  hostId: Nullable(ObjectId),
  hostName: Nullable(Type.String()),
  /** Reverse-DNS id of the plugin (kind `plugin`). */
  pluginId: Nullable(PluginId),
  pluginName: Nullable(Type.String()),
  serviceId: Nullable(ObjectId),
  serviceName: Nullable(Type.String()),
  severity: SeverityName,
  /** Since when it is in this state; null when unknown. */
  since: Nullable(Timestamp),
  ...ProblemMarks,
  flapping: Type.Boolean(),
});
export type CurrentProblem = Static<typeof CurrentProblem>;

/** `GET /api/reports/problems`: how many, worst first. */
export const CurrentProblemsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) },
  { additionalProperties: false },
);
export type CurrentProblemsQuery = Static<typeof CurrentProblemsQuery>;

/** The answer: the worst `limit` problems and how many there are in all. */
export const CurrentProblems = Type.Object({ items: Type.Array(CurrentProblem), total: Type.Integer() });
export type CurrentProblems = Static<typeof CurrentProblems>;

/** Most buckets one request of `GET /api/reports/problems-over-time` may ask for. */
const MAX_PROBLEM_BUCKETS = 500;

/** `GET /api/reports/problems-over-time?from&to&buckets` (times: `[from, to)`; default the last day in 48 buckets). */
export const ProblemsOverTimeQuery = Type.Object(
  {
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    buckets: Type.Integer({ minimum: 1, maximum: MAX_PROBLEM_BUCKETS, default: 48 }),
  },
  { additionalProperties: false },
);
export type ProblemsOverTimeQuery = Static<typeof ProblemsOverTimeQuery>;

const SeverityCounts = Type.Object(Object.fromEntries(PROBLEM_SEVERITIES.map((s) => [s, Type.Integer({ minimum: 0 })])) as Record<ProblemSeverity, ReturnType<typeof Type.Integer>>);

/**
 * Problems per severity over a range, from the stored state transitions: bucket `i` covers
 * `[from + i·bucketMs, min(from + (i+1)·bucketMs, to))`, and every problem (a plugin on a host,
 * a service, a host's own state where it is worse than all its plugins', as for an unreachable
 * agent) counts once in it, at the worst state it was in during the bucket.
 */
export const ProblemsOverTime = Type.Object({
  from: Timestamp,
  to: Timestamp,
  bucketMs: Type.Integer({ minimum: 1 }),
  buckets: Type.Array(Type.Object({ t: Timestamp, counts: SeverityCounts })),
});
export type ProblemsOverTime = Static<typeof ProblemsOverTime>;

/** `GET /api/reports/top-hosts?pluginId&limit`: the hosts with the highest newest value of one plugin. */
export const TopHostsQuery = Type.Object(
  { pluginId: PluginId, limit: Type.Integer({ minimum: 1, maximum: 100, default: 5 }) },
  { additionalProperties: false },
);
export type TopHostsQuery = Static<typeof TopHostsQuery>;

/** One host's newest value of the plugin (the newest result that carried a value), with the plugin's state. */
export const TopHost = Type.Object({
  hostId: ObjectId,
  hostName: Type.String(),
  value: Type.Number(),
  measuredAt: Timestamp,
  severity: SeverityName,
});
export type TopHost = Static<typeof TopHost>;
