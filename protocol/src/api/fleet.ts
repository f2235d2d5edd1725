import { Timestamp } from '../schema-common.js';
import { type Static, Type } from '@sinclair/typebox';
import { Ids, Name, Nullable, ObjectId } from './common.js';
import { ServerAddress, Tag } from './hosts.js';

/** The REST API's shapes (protocol/src/api.ts): auto-registration: fleet tokens and registration rules (docs/enrolment.md). */

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
