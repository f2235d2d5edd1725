import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from './schema-common.js';

/**
 * Shapes of the core's `/api/agent-upgrades` routes (docs/install-agent.md, "Upgrades from the
 * console"; docs/decisions/0009-agent-self-upgrade.md), beside the other REST API shapes: the
 * core validates and documents them, the console imports their types.
 */

const Version = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z][0-9A-Za-z.+_-]*$' });
const Sha256Hex = Type.String({ pattern: '^[a-f0-9]{64}$' });
const RowId = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

/** One platform package of an agent version. */
const AgentPackageFile = Type.Object({
  platform: Type.String(),
  file: Type.String(),
  sha256: Sha256Hex,
  size: Type.Integer(),
});

/** An approved agent version: its packages, kept by the core, each signed by the site key. */
export const AgentVersion = Type.Object({
  version: Version,
  packages: Type.Array(Type.Object({ ...AgentPackageFile.properties, keyId: Sha256Hex, url: Type.String() })),
  approvedBy: Type.String(),
  approvedAt: Timestamp,
});
export type AgentVersion = Static<typeof AgentVersion>;

/** `GET /api/agent-upgrades/packages`: what this core can serve now, and the approved versions. */
export const AgentPackagesResponse = Type.Object({
  /** The version the core's package builder makes from its checkout (null when it cannot build). */
  available: Type.Union([Type.Object({ version: Version, node: Type.String(), packages: Type.Array(AgentPackageFile), approved: Type.Boolean() }), Type.Null()]),
  /** Why there is nothing available, when `available` is null. */
  unavailableReason: Type.Optional(Type.String()),
  approved: Type.Array(AgentVersion),
});
export type AgentPackagesResponse = Static<typeof AgentPackagesResponse>;

/** `POST /api/agent-upgrades/versions`: approve the version the core can serve. */
export const ApproveAgentVersionInput = Type.Object({ version: Version }, { additionalProperties: false });
export type ApproveAgentVersionInput = Static<typeof ApproveAgentVersionInput>;

/** One stage of a rollout: its host groups (nested groups included); an empty list is every host (last stage only). */
const AgentUpgradeStageInput = Type.Object({ groupIds: Type.Array(RowId, { maxItems: 100, uniqueItems: true }) }, { additionalProperties: false });

/** `POST /api/agent-upgrades/rollouts`. */
export const AgentUpgradeRolloutInput = Type.Object(
  {
    version: Version,
    stages: Type.Array(AgentUpgradeStageInput, { minItems: 1, maxItems: 10 }),
    /** The next stage starts by itself once this share of the stage's hosts runs the new version (percent). */
    promoteAtPercent: Type.Integer({ minimum: 1, maximum: 100, default: 100 }),
    /** false: each next stage waits for Promote. */
    autoPromote: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);
export type AgentUpgradeRolloutInput = Static<typeof AgentUpgradeRolloutInput>;

const AGENT_ROLLOUT_STATES = ['running', 'completed', 'aborted'] as const;
/** What the core knows of one host in a rollout. */
const AGENT_HOST_UPGRADE_STATUSES = ['offered', 'requested', 'refused', 'upgraded', 'failed', 'skipped'] as const;
const HostUpgradeStatus = Type.Union(AGENT_HOST_UPGRADE_STATUSES.map((s) => Type.Literal(s)));

export const AgentUpgradeRollout = Type.Object({
  id: RowId,
  version: Version,
  stages: Type.Array(
    Type.Object({
      groupIds: Type.Array(RowId),
      /** Hosts of this stage (not counted in an earlier one), and how many of them run the version. */
      hosts: Type.Integer(),
      upgraded: Type.Integer(),
      /** Hosts whose upgrade was refused, rolled back or skipped. */
      failed: Type.Integer(),
    }),
  ),
  /** The stage being offered now (0-based). */
  stage: Type.Integer(),
  promoteAtPercent: Type.Integer(),
  autoPromote: Type.Boolean(),
  state: Type.Union(AGENT_ROLLOUT_STATES.map((s) => Type.Literal(s))),
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type AgentUpgradeRollout = Static<typeof AgentUpgradeRollout>;

export const AgentUpgradeRolloutsResponse = Type.Object({ items: Type.Array(AgentUpgradeRollout) });
export type AgentUpgradeRolloutsResponse = Static<typeof AgentUpgradeRolloutsResponse>;

/** `GET /api/agent-upgrades/hosts`: each enrolled host's agent version and upgrade state. */
export const AgentUpgradeHost = Type.Object({
  hostId: RowId,
  name: Type.String(),
  agentVersion: Type.Union([Type.String(), Type.Null()]),
  /** The package platform the agent last reported (`linux-x64`), null before its first `state` online. */
  platform: Type.Union([Type.String(), Type.Null()]),
  /** Its place in the latest rollout that reached it, if any. */
  upgrade: Type.Union([
    Type.Object({ rolloutId: RowId, version: Version, stage: Type.Integer(), status: HostUpgradeStatus, reason: Type.Union([Type.String(), Type.Null()]), updatedAt: Timestamp }),
    Type.Null(),
  ]),
  /** The installation's own record of its last upgrade (`upgrade-state.json`), as the agent reported it. */
  lastUpgrade: Type.Union([Type.Object({ state: Type.String(), from: Type.String(), to: Type.String(), at: Timestamp, reason: Type.Optional(Type.String()) }), Type.Null()]),
});
export type AgentUpgradeHost = Static<typeof AgentUpgradeHost>;

export const AgentUpgradeHostsResponse = Type.Object({ items: Type.Array(AgentUpgradeHost) });
export type AgentUpgradeHostsResponse = Static<typeof AgentUpgradeHostsResponse>;

export const AgentUpgradeRolloutParams = Type.Object({ id: RowId }, { additionalProperties: false });
export type AgentUpgradeRolloutParams = Static<typeof AgentUpgradeRolloutParams>;
