import { PluginId, Timestamp } from '../schema-common.js';
import { type Static, Type } from '@sinclair/typebox';
import { Description, Ids, Name, Nullable, ObjectId } from './common.js';
import { DeviceFields, DeviceInputFields } from './devices.js';

/** The REST API's shapes (protocol/src/api.ts): hosts and groups. */

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
  /** Devices (docs/devices.md): kind, address, type, collector. */
  ...DeviceFields,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Host = Static<typeof Host>;

/** A host tag: letters, digits and `._:/=-`, at most 64 characters. */
export const Tag = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/=-]*$' });
const Tags = Type.Array(Tag, { maxItems: 32, uniqueItems: true });

export const HostInput = Type.Object(
  { name: Name, description: Type.Optional(Description), /** Omitted: the host keeps its tags. */ tags: Type.Optional(Tags), ...DeviceInputFields },
  { additionalProperties: false },
);
export type HostInput = Static<typeof HostInput>;

export const HostGroup = Type.Object({
  id: ObjectId,
  name: Type.String(),
  description: Type.String(),
  hostIds: Type.Array(ObjectId),
  groupIds: Type.Array(ObjectId),
  /** The collector the group's devices inherit (docs/devices.md); null: none. */
  collectorId: Type.Optional(Nullable(ObjectId)),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type HostGroup = Static<typeof HostGroup>;

export const HostGroupInput = Type.Object(
  { name: Name, description: Type.Optional(Description), hostIds: Ids(), groupIds: Ids(1000), /** Omitted: the group keeps its collector; null removes it. */ collectorId: Type.Optional(Nullable(ObjectId)) },
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

/** `PUT /api/hosts/:id/parents`: the hosts this host is reached through (docs/devices.md, "Dependencies"); `[]` removes them. */
export const HostParentsInput = Type.Object({ parentIds: Ids(100) }, { additionalProperties: false });
export type HostParentsInput = Static<typeof HostParentsInput>;

const DependencyHost = Type.Object({ hostId: ObjectId, name: Type.String() });
const DependencyAncestor = Type.Object({ hostId: ObjectId, name: Type.String(), /** Its agent unreachable, or (a device) its ping major or critical. */ down: Type.Boolean() });

/** `GET /api/hosts/:id/dependencies`: the host's place in the parent/child graph. */
export const HostDependencies = Type.Object({
  parents: Type.Array(DependencyAncestor),
  /** Every ancestor, nearest first (parents, their parents, …). */
  ancestors: Type.Array(DependencyAncestor),
  children: Type.Array(DependencyHost),
  /** The down ancestor the host's problems are caused by now (they notify no one), or null. */
  causedBy: Nullable(DependencyHost),
});
export type HostDependencies = Static<typeof HostDependencies>;
