import { Interval, Params, PluginId, Timestamp } from '../schema-common.js';
import { type Static, Type } from '@sinclair/typebox';
import { Description, Name, Nullable, SeverityName } from './common.js';
import { Tag } from './hosts.js';

/**
 * The REST API's shapes (protocol/src/api.ts): configuration as code (docs/configuration-as-code.md).
 * `ConfigDocument` is the YAML file `prophasis config export` writes and `config apply` reads:
 * every object by its stable name (host, group, check, service … names; plugins by their
 * reverse-DNS id), never by a database id. Every kind is optional in a file; a kind that is
 * present is the whole list of that kind as far as `--prune` is concerned.
 */

/** The version of the file format; a file of another version is refused. */
export const CONFIG_DOCUMENT_VERSION = 1;

/** Names of other objects (unique); a secret anywhere in settings is written as `${secret:NAME}`, never as its value. */
const Names = (max = 1000) => Type.Array(Name, { maxItems: max, uniqueItems: true, default: [] });
const strict = { additionalProperties: false } as const;

const ConfigHost = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    /** The host groups this host is a direct member of. */
    groups: Names(),
    tags: Type.Array(Tag, { maxItems: 32, uniqueItems: true, default: [] }),
    /** The hosts this host is reached through (docs/devices.md, "Dependencies"); left out: none. */
    parents: Type.Optional(Type.Array(Name, { maxItems: 100, uniqueItems: true })),
  },
  strict,
);

const ConfigHostGroup = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    /** The host groups this group is a direct member of (nesting; a cycle is refused). */
    groups: Names(),
  },
  strict,
);

const ConfigApproval = Type.Object(
  {
    /** Reverse-DNS plugin id. */
    plugin: PluginId,
    version: Type.String({ minLength: 1, maxLength: 64 }),
    /** The capabilities approved: exactly those the version requests. */
    capabilities: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { maxItems: 100, uniqueItems: true, default: [] }),
  },
  strict,
);

const FlapPercent = Type.Optional(Type.Union([Type.Null(), Type.Number({ minimum: 0, maximum: 100 })]));

const ConfigCheck = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    hosts: Names(),
    groups: Names(),
    plugins: Type.Array(Type.Object({ plugin: PluginId, params: Type.Optional(Params) }, strict), { maxItems: 200, default: [] }),
    flapLowPercent: FlapPercent,
    flapHighPercent: FlapPercent,
  },
  strict,
);

/**
 * A Lua classifier replacing a plugin's default for one check, host or host group (docs/classifiers.md):
 * exactly one of `check`, `host`, `group`.
 */
const ConfigClassifierOverride = Type.Object(
  {
    plugin: PluginId,
    check: Type.Optional(Name),
    host: Type.Optional(Name),
    group: Type.Optional(Name),
    code: Type.String({ minLength: 1, maxLength: 65_536 }),
  },
  strict,
);

const ConfigSchedule = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    enabled: Type.Boolean({ default: true }),
    checks: Names(),
    intervals: Type.Array(Interval, { minItems: 1, maxItems: 32 }),
  },
  strict,
);

/** A host or a host group, by name: `{ host: web1 }` or `{ group: web }`. */
const ConfigMember = Type.Union([Type.Object({ host: Name }, strict), Type.Object({ group: Name }, strict)]);

const ConfigService = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    dependencies: Type.Array(ConfigMember, { maxItems: 1000, default: [] }),
    redundancyGroups: Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }), members: Type.Array(ConfigMember, { minItems: 1, maxItems: 1000 }) }, strict), {
      maxItems: 100,
      default: [],
    }),
  },
  strict,
);

const ConfigScopes = Type.Object(
  {
    hosts: Names(),
    groups: Names(),
    services: Names(),
    checks: Names(),
    plugins: Type.Array(PluginId, { maxItems: 1000, uniqueItems: true, default: [] }),
  },
  strict,
);

const Settings = Type.Record(Type.String({ maxLength: 128 }), Type.Unknown(), { default: {} });

const ConfigAlert = Type.Object(
  {
    name: Name,
    enabled: Type.Boolean({ default: true }),
    fromStates: Type.Array(SeverityName, { minItems: 1, uniqueItems: true }),
    toStates: Type.Array(SeverityName, { minItems: 1, uniqueItems: true }),
    scopes: ConfigScopes,
    module: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' }),
    settings: Settings,
    repeatMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 10_080 }))),
    escalations: Type.Array(
      Type.Object({ afterMinutes: Type.Integer({ minimum: 1, maximum: 525_600 }), module: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' }), settings: Settings }, strict),
      { maxItems: 10, default: [] },
    ),
  },
  strict,
);

const ConfigAlertTemplate = Type.Object(
  {
    module: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' }),
    subject: Type.String({ maxLength: 1000 }),
    text: Type.String({ maxLength: 20_000 }),
    html: Type.String({ maxLength: 100_000, default: '' }),
  },
  strict,
);

const TimeOfDay = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });

/** A silence or a recurring maintenance window (docs/alerts.md); the fields its kind needs. */
const ConfigSilence = Type.Object(
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
    scopes: ConfigScopes,
  },
  strict,
);

const FactValue = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_.-]+$' });

/** Registration rules in the order they apply (the file's order). */
const ConfigRegistrationRule = Type.Object(
  {
    name: Name,
    hostnamePattern: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 255 }))),
    platform: Type.Optional(Nullable(FactValue)),
    arch: Type.Optional(Nullable(FactValue)),
    groups: Type.Array(Name, { minItems: 1, maxItems: 100, uniqueItems: true }),
    stop: Type.Boolean({ default: false }),
  },
  strict,
);

/**
 * System settings: the keys of `GET /api/settings` except `smtpPasswordSet`; `smtpPassword` only
 * as a `${secret:NAME}` reference. Keys left out keep their value.
 */
const ConfigSettings = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown());

export const ConfigDocument = Type.Object(
  {
    version: Type.Literal(CONFIG_DOCUMENT_VERSION),
    settings: Type.Optional(ConfigSettings),
    hostGroups: Type.Optional(Type.Array(ConfigHostGroup, { maxItems: 100_000 })),
    hosts: Type.Optional(Type.Array(ConfigHost, { maxItems: 100_000 })),
    pluginApprovals: Type.Optional(Type.Array(ConfigApproval, { maxItems: 10_000 })),
    checks: Type.Optional(Type.Array(ConfigCheck, { maxItems: 100_000 })),
    classifierOverrides: Type.Optional(Type.Array(ConfigClassifierOverride, { maxItems: 100_000 })),
    schedules: Type.Optional(Type.Array(ConfigSchedule, { maxItems: 100_000 })),
    services: Type.Optional(Type.Array(ConfigService, { maxItems: 100_000 })),
    alerts: Type.Optional(Type.Array(ConfigAlert, { maxItems: 100_000 })),
    alertTemplates: Type.Optional(Type.Array(ConfigAlertTemplate, { maxItems: 100 })),
    silences: Type.Optional(Type.Array(ConfigSilence, { maxItems: 100_000 })),
    registrationRules: Type.Optional(Type.Array(ConfigRegistrationRule, { maxItems: 1000 })),
  },
  strict,
);
export type ConfigDocument = Static<typeof ConfigDocument>;

/** `POST /api/config/apply`: the YAML text (JSON body, as every change: the API's CSRF rule). */
export const ConfigApplyRequest = Type.Object({ yaml: Type.String({ maxLength: 1_000_000 }) }, strict);
export type ConfigApplyRequest = Static<typeof ConfigApplyRequest>;

export const ConfigApplyQuery = Type.Object(
  {
    /** true: compute and answer the changes, write nothing. */
    dryRun: Type.Boolean({ default: false }),
    /** true: delete the objects of the kinds in the file that the file does not name. */
    prune: Type.Boolean({ default: false }),
  },
  strict,
);
export type ConfigApplyQuery = Static<typeof ConfigApplyQuery>;

/** One change of an apply: what happens to which object (kind as in the file, the object's name). */
export const ConfigChange = Type.Object({
  action: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('delete')]),
  kind: Type.String(),
  name: Type.String(),
  /** For an update: the fields that differ. */
  fields: Type.Optional(Type.Array(Type.String())),
});
export type ConfigChange = Static<typeof ConfigChange>;

export const ConfigApplyResult = Type.Object({
  dryRun: Type.Boolean(),
  prune: Type.Boolean(),
  /** False: the core already had this configuration (nothing was or would be written). */
  changed: Type.Boolean(),
  changes: Type.Array(ConfigChange),
  /** Notes that are not changes, e.g. a secret kept because its reference could not be resolved. */
  notes: Type.Array(Type.String()),
});
export type ConfigApplyResult = Static<typeof ConfigApplyResult>;
