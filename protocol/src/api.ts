import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ChartHints } from './manifest.js';
import { RESULT_TYPES, SEVERITIES } from './severity.js';
import { PRESENCE_STATES } from './presence.js';
import { Interval, Params, PluginId, SemVer, Sha256, Timestamp } from './schema-common.js';

/**
 * Shapes of the core's REST API (docs/api.md), shared by the core (request validation and
 * the OpenAPI document) and the web console (types). TypeBox schemas are JSON Schema, so the
 * same object validates requests, documents them and types them. Field names are camelCase;
 * times are epoch milliseconds (UTC) like everywhere else in the protocol.
 */

// ---- building blocks ----------------------------------------------------------------------

const SeverityName = Type.Union(SEVERITIES.map((s) => Type.Literal(s)));
const ResultTypeName = Type.Union(RESULT_TYPES.map((t) => Type.Literal(t)));

/** Numeric id of a configuration object (database row). */
const ObjectId = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const IdParams = Type.Object({ id: ObjectId }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

export const ROLE_NAMES = ['viewer', 'operator', 'admin'] as const;
const RoleName = Type.Union(ROLE_NAMES.map((r) => Type.Literal(r)));

const Name = Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' });
const Description = Type.String({ maxLength: 2000 });

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

/** An API token (docs/api.md, "API tokens"): a bearer credential for scripts, with a role no higher than its owner's. */
export const ApiToken = Type.Object({
  id: ObjectId,
  name: Type.String(),
  /** The user it acts for; it never has more rights than they have now. */
  userName: Type.String(),
  role: RoleName,
  expiresAt: Timestamp,
  createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
});
export type ApiToken = Static<typeof ApiToken>;

export const ApiTokenInput = Type.Object(
  {
    name: Name,
    /** Default: the creator's own role; never higher. */
    role: Type.Optional(RoleName),
    expiresInDays: Type.Integer({ minimum: 1, maximum: 365, default: 90 }),
  },
  { additionalProperties: false },
);
export type ApiTokenInput = Static<typeof ApiTokenInput>;

/** The answer to a creation: the token itself, shown this once. */
export const ApiTokenCreated = Type.Composite([ApiToken, Type.Object({ token: Type.String() })]);
export type ApiTokenCreated = Static<typeof ApiTokenCreated>;

// ---- hosts and groups ----------------------------------------------------------------------

const ENROLMENT_STATES = ['pending', 'enrolled', 'revoked'] as const;

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
  /** Free labels; a fleet token gives its tags to the hosts it registers. */
  tags: Type.Optional(Type.Array(Type.String())),
  /** The fleet token that registered the host (auto-registration), if one did. */
  fleetTokenId: Type.Optional(Nullable(ObjectId)),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Host = Static<typeof Host>;

/** A host tag: letters, digits and `._:/=-`, at most 64 characters. */
const Tag = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/=-]*$' });
const Tags = Type.Array(Tag, { maxItems: 32, uniqueItems: true });

export const HostInput = Type.Object(
  { name: Name, description: Type.Optional(Description), /** Omitted: the host keeps its tags. */ tags: Type.Optional(Tags) },
  { additionalProperties: false },
);
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

/** `POST /api/hosts/:id/run`: run one plugin on the host now, optionally as part of one check (its parameters). */
export const RunNowRequest = Type.Object(
  { pluginId: PluginId, /** Omitted: the newest usable version, no parameters. */ checkId: Type.Optional(ObjectId) },
  { additionalProperties: false },
);
export type RunNowRequest = Static<typeof RunNowRequest>;

/** The result arrives later (live event `result.stored`, the host report); this id is its `requestId`. */
export const RunNowResponse = Type.Object({ requestId: Type.String() });
export type RunNowResponse = Static<typeof RunNowResponse>;

/** A host name or IP address as the new host reaches the core (it is put into shell commands, so nothing else). */
export const ServerAddress = Type.String({ minLength: 1, maxLength: 253, pattern: '^(?:[A-Za-z0-9][A-Za-z0-9.-]*|\\[?[0-9A-Fa-f:.]+\\]?)$' });

/** `POST /api/hosts/:id/enrolment`: issue a single-use enrolment token for the host's agent. */
export const EnrolmentRequest = Type.Object(
  {
    /** Default: the core's configured public name, else the name this request was addressed to. */
    server: Type.Optional(ServerAddress),
    /** Token lifetime, minutes (default 60, at most a week). */
    ttlMinutes: Type.Integer({ minimum: 1, maximum: 10_080, default: 60 }),
    /** Revoke the host's enrolled agent and issue a token for a new one (otherwise refused with 409). */
    reenrol: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type EnrolmentRequest = Static<typeof EnrolmentRequest>;

/** The token is shown once; only its hash is stored. */
export const EnrolmentTicket = Type.Object({
  hostId: ObjectId,
  token: Type.String(),
  expiresAt: Timestamp,
  /**
   * The one line to paste on the host: downloads the agent package from this core, verifies it
   * by the hash in the line, installs, enrols and starts it (docs/install-agent.md).
   */
  installCommand: Type.String(),
  /** Enrols an agent installed another way (token and CA fingerprint included). */
  enrolCommand: Type.String(),
  /** SHA-256 hex of the CA the agent pins. */
  caFingerprint: Type.String(),
});
export type EnrolmentTicket = Static<typeof EnrolmentTicket>;

// ---- auto-registration: fleet tokens and registration rules (docs/enrolment.md) --------------

const FLEET_TOKEN_STATUSES = ['active', 'expired', 'revoked', 'exhausted'] as const;

/** A reusable enrolment token as listed: never the token itself (only its hash is stored). */
export const FleetToken = Type.Object({
  id: ObjectId,
  name: Type.String(),
  status: Type.Union(FLEET_TOKEN_STATUSES.map((s) => Type.Literal(s))),
  expiresAt: Timestamp,
  revokedAt: Nullable(Timestamp),
  /** Null: no limit. */
  maxHosts: Nullable(Type.Integer()),
  hostsRegistered: Type.Integer(),
  /** Host groups every host it registers joins. */
  groupIds: Type.Array(ObjectId),
  /** Tags every host it registers gets. */
  tags: Type.Array(Type.String()),
  lastUsedAt: Nullable(Timestamp),
  createdBy: Type.String(),
  createdAt: Timestamp,
});
export type FleetToken = Static<typeof FleetToken>;

/** `POST /api/fleet-tokens`. */
export const FleetTokenInput = Type.Object(
  {
    name: Name,
    /** Lifetime, days (default 30, at most a year). */
    ttlDays: Type.Integer({ minimum: 1, maximum: 365, default: 30 }),
    /** How many hosts it may register; omitted: no limit. */
    maxHosts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    groupIds: Ids(100),
    tags: Type.Array(Tag, { maxItems: 32, uniqueItems: true, default: [] }),
    /** The core's address in the printed line; default as for `POST /api/hosts/:id/enrolment`. */
    server: Type.Optional(ServerAddress),
  },
  { additionalProperties: false },
);
export type FleetTokenInput = Static<typeof FleetTokenInput>;

/** The answer to `POST /api/fleet-tokens`: the secret token and the lines carrying it, shown once. */
export const FleetTokenTicket = Type.Object({
  fleetToken: FleetToken,
  token: Type.String(),
  /** The one line to paste on every host this token should register (docs/install-agent.md). */
  installCommand: Type.String(),
  /** Enrols an agent installed another way. */
  enrolCommand: Type.String(),
  caFingerprint: Type.String(),
});
export type FleetTokenTicket = Static<typeof FleetTokenTicket>;

/** Host name glob (`web-*`, `db-?.example.lan`) or regular expression between slashes (`/^web-[0-9]+$/`). */
const HostnamePattern = Type.String({ minLength: 1, maxLength: 255 });
/** What the agent reports: `platform` as Node.js names it (`linux`, `darwin`, `win32`), `arch` likewise (`x64`, `arm64`). */
const FactValue = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_.-]+$' });

/** One registration rule: a host registered with a fleet token joins `groupIds` when every condition set matches. */
export const RegistrationRule = Type.Object({
  id: ObjectId,
  name: Type.String(),
  /** 1-based; rules are tried in this order. */
  position: Type.Integer(),
  hostnamePattern: Nullable(Type.String()),
  platform: Nullable(Type.String()),
  arch: Nullable(Type.String()),
  groupIds: Type.Array(ObjectId),
  /** When this rule matches, later rules are not tried. */
  stop: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type RegistrationRule = Static<typeof RegistrationRule>;

export const RegistrationRuleInput = Type.Object(
  {
    name: Name,
    hostnamePattern: Type.Optional(Nullable(HostnamePattern)),
    platform: Type.Optional(Nullable(FactValue)),
    arch: Type.Optional(Nullable(FactValue)),
    groupIds: Type.Array(ObjectId, { minItems: 1, maxItems: 100, uniqueItems: true }),
    stop: Type.Boolean({ default: false }),
    /** Where to put it (1 = first); omitted: last on create, unchanged on update. */
    position: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type RegistrationRuleInput = Static<typeof RegistrationRuleInput>;

/** `PUT /api/registration-rules/order`: every rule's id, in the new order. */
export const RegistrationRuleOrder = Type.Object({ ids: Type.Array(ObjectId, { maxItems: 1000, uniqueItems: true }) }, { additionalProperties: false });
export type RegistrationRuleOrder = Static<typeof RegistrationRuleOrder>;

/** `POST /api/registration-rules/preview`: what a host reporting these facts would join. */
export const RegistrationPreviewRequest = Type.Object(
  { hostname: Type.String({ minLength: 1, maxLength: 255 }), platform: FactValue, arch: FactValue, fleetTokenId: Type.Optional(ObjectId) },
  { additionalProperties: false },
);
export type RegistrationPreviewRequest = Static<typeof RegistrationPreviewRequest>;

export const RegistrationPreview = Type.Object({ ruleIds: Type.Array(ObjectId), groupIds: Type.Array(ObjectId) });
export type RegistrationPreview = Static<typeof RegistrationPreview>;

// ---- plugins ---------------------------------------------------------------------------------

const PluginVersion = Type.Object({
  version: SemVer,
  sha256: Sha256,
  publisher: Type.String(),
  requestedCapabilities: Type.Array(Type.String()),
  /** Null until an administrator approved this version's capabilities. */
  approvedCapabilities: Nullable(Type.Array(Type.String())),
  approvedAt: Nullable(Timestamp),
  historyCount: Type.Integer(),
  createdAt: Timestamp,
  /** The manifest's `parameters` (JSON Schema of what a check passes), for the check form. */
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /** The bundle's own Lua classifier; overrides per check, host or group are separate objects. */
  defaultClassifier: Type.String(),
});

/** How the console charts a plugin's values (the manifest's `chart`: unit, kind, min, max, label). */
export type PluginChartHints = Static<typeof ChartHints>;

export const Plugin = Type.Object({
  id: ObjectId,
  pluginId: PluginId,
  name: Type.String(),
  description: Type.String(),
  /** The newest version. */
  version: Nullable(SemVer),
  versions: Type.Array(PluginVersion),
  /** Chart hints of the newest version's manifest; absent when it declares none. */
  chart: Type.Optional(ChartHints),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Plugin = Static<typeof Plugin>;

/** What a plugin version asks for (the manifest's `capabilities`) or was approved for. */
export const CapabilityList = Type.Array(Type.String({ maxLength: 512 }), { maxItems: 64 });

/**
 * One stored version as the plugin repository reports it (`GET /api/plugins/:id/versions`,
 * the approval, a marketplace install). The repository's request and response shapes that
 * compose it are in api-plugin-repository.ts.
 */
export const PluginVersionInfo = Type.Object({
  /** Row id of the plugin (`/api/plugins/:id`). */
  id: ObjectId,
  pluginId: PluginId,
  name: Type.String(),
  version: SemVer,
  /** The bundle hash: its identity for delivery. */
  sha256: Sha256,
  publisher: Type.String(),
  publisherKeyId: Sha256,
  /** False once the signing key is no longer trusted; such a version is not usable. */
  publisherTrusted: Type.Boolean(),
  requestedCapabilities: CapabilityList,
  approvedCapabilities: Nullable(CapabilityList),
  /**
   * Requested capabilities the previous approved version did not have (the highest approved
   * lower version signed by the same key); every requested capability when there is none.
   */
  addedCapabilities: CapabilityList,
  /** The version whose approval `addedCapabilities` is measured against, if any. */
  previousApprovedVersion: Nullable(SemVer),
  /**
   * `pending` (not yet), `approved` (by an administrator), `inherited` (asks for nothing the
   * previous approved version did not have), `site` (a first-party plugin, built and signed by
   * this core).
   */
  approval: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('inherited'), Type.Literal('site')]),
  approvedBy: Nullable(Type.String()),
  approvedAt: Nullable(Timestamp),
  /** Approved, approval covers every requested capability, publisher key still trusted. */
  usable: Type.Boolean(),
  historyCount: Type.Integer(),
  createdAt: Timestamp,
});
export type PluginVersionInfo = Static<typeof PluginVersionInfo>;
/** How a version came to be approved (see `PluginVersionInfo.approval`). */
export type ApprovalState = PluginVersionInfo['approval'];

// ---- checks and schedules --------------------------------------------------------------------

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

// ---- notification templates (docs/alerts.md, "Templates") -----------------------------------

/** The Mustache sources of one module's notifications: subject, plain-text body, HTML body (e-mail only; empty: none). */
const AlertTemplateSources = {
  subject: Type.String({ maxLength: 1000 }),
  text: Type.String({ maxLength: 20_000 }),
  html: Type.String({ maxLength: 50_000 }),
};

/** One module's templates (`GET /api/alert-templates`): the sources it sends, the defaults, whether they were edited. */
export const AlertTemplates = Type.Object({
  module: Type.String(),
  label: Type.String(),
  /** Which of subject, text, html the module sends. */
  fields: Type.Array(Type.Union([Type.Literal('subject'), Type.Literal('text'), Type.Literal('html')])),
  ...AlertTemplateSources,
  defaults: Type.Object(AlertTemplateSources),
  /** false: the built-in defaults are in use. */
  custom: Type.Boolean(),
  updatedAt: Type.Union([Type.Integer(), Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
});
export type AlertTemplates = Static<typeof AlertTemplates>;

/** Every module's templates and the variables they may use (`{{alert.name}}`; `#plugin`: an object or a list, used as a section; `causes[].plugin` inside `{{#causes}}`). */
export const AlertTemplateList = Type.Object({
  items: Type.Array(AlertTemplates),
  variables: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })),
});
export type AlertTemplateList = Static<typeof AlertTemplateList>;

/** `PUT /api/alert-templates/:module`: a template that does not render is refused (400 naming the field). `html`: e-mail only. */
export const AlertTemplateInput = Type.Object(
  { subject: AlertTemplateSources.subject, text: AlertTemplateSources.text, html: Type.Optional(AlertTemplateSources.html) },
  { additionalProperties: false },
);
export type AlertTemplateInput = Static<typeof AlertTemplateInput>;

/** `POST /api/alert-templates/:module/preview`: unsaved sources over a sample notice (`sample`), the module's newest notification (`latest`) or one by its delivery id. */
export const AlertTemplatePreviewRequest = Type.Object(
  {
    subject: AlertTemplateSources.subject,
    text: AlertTemplateSources.text,
    html: Type.Optional(AlertTemplateSources.html),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 64, default: 'sample' })),
  },
  { additionalProperties: false },
);
export type AlertTemplatePreviewRequest = Static<typeof AlertTemplatePreviewRequest>;

export const AlertTemplatePreview = Type.Object({
  subject: Type.String(),
  text: Type.String(),
  /** The HTML body (e-mail with an HTML template), else null. */
  html: Type.Union([Type.String(), Type.Null()]),
  /** What was rendered: the sample, or a stored notification (with example links: a preview mints none). */
  source: Type.Object({ kind: Type.Union([Type.Literal('sample'), Type.Literal('delivery')]), deliveryId: Type.Union([Type.String(), Type.Null()]), description: Type.String() }),
});
export type AlertTemplatePreview = Static<typeof AlertTemplatePreview>;

// ---- problems: acknowledgements and silences (docs/alerts.md) --------------------------------

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

// ---- housekeeping (docs/storage.md, "Retention and housekeeping") ---------------------------

/** One table that grows, as the settings page shows it. */
export const HousekeepingTable = Type.Object({
  table: Type.String(),
  /** Rows: exact on SQLite, the planner's estimate on PostgreSQL (`rowsEstimated`). */
  rows: Type.Integer(),
  rowsEstimated: Type.Boolean(),
  /** Bytes on disk with indexes; null where the database cannot tell. */
  bytes: Nullable(Type.Integer()),
  /** Day partitions (PostgreSQL's results and rollups); null for a table that is not partitioned. */
  partitions: Nullable(Type.Integer()),
  /** The setting that says how long rows are kept; null when rows go as soon as they expire (sessions). */
  retentionSetting: Nullable(Type.String()),
});
export type HousekeepingTable = Static<typeof HousekeepingTable>;

/** What one housekeeping run did. */
export const HousekeepingRun = Type.Object({
  startedAt: Timestamp,
  durationMs: Type.Integer({ minimum: 0 }),
  trigger: Type.Union([Type.Literal('schedule'), Type.Literal('manual')]),
  /** Per table: rows removed (for a dropped partition, its estimated rows) and partitions dropped. */
  removed: Type.Array(Type.Object({ table: Type.String(), rows: Type.Integer(), partitionsDropped: Type.Integer() })),
  partitionsCreated: Type.Integer(),
  /** Tables whose retention failed this time, with the reason; the others were still done. */
  errors: Type.Array(Type.Object({ table: Type.String(), message: Type.String() })),
});
export type HousekeepingRun = Static<typeof HousekeepingRun>;

export const HousekeepingStatus = Type.Object({
  dialect: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
  /** The whole database (file or PostgreSQL database). */
  databaseBytes: Nullable(Type.Integer()),
  tables: Type.Array(HousekeepingTable),
  lastRun: Nullable(HousekeepingRun),
  running: Type.Boolean(),
  nextRunAt: Nullable(Timestamp),
  intervalMs: Type.Integer(),
});
export type HousekeepingStatus = Static<typeof HousekeepingStatus>;

// ---- reports ---------------------------------------------------------------------------------

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
/** Marks every list and report carries for a problem; null when not acknowledged / not in maintenance. */
const ProblemMarks = { acknowledged: Type.Optional(Nullable(AcknowledgedMark)), maintenance: Type.Optional(Nullable(MaintenanceMark)) };

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

export type ApiEventType = 'state.changed' | 'host.presence' | 'result.stored' | 'config.changed';

/** One server-sent event: the SSE `event:` field is `type`, `data:` is this object as JSON. */
export interface ApiEvent {
  type: ApiEventType;
  /** Epoch ms when it happened. */
  ts: number;
  data: Record<string, unknown>;
}

// ---- classifier overrides and "try before you save" (docs/classifiers.md) --------------------

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
