import { Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import { int, json, now, pk, str, text, time, touchHooks } from './common.js';

export type HostKind = 'agent' | 'device';
export type EnrolmentState = 'pending' | 'enrolled' | 'revoked';
const ENROLMENT_STATES: readonly EnrolmentState[] = ['pending', 'enrolled', 'revoked'];

/** One monitored machine (table `hosts`). Times are epoch ms. */
export class Host extends Model<InferAttributes<Host>, InferCreationAttributes<Host>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare description: CreationOptional<string>;
  /** Set at enrolment; the MQTT client id and username of the host's agent. */
  declare agentId: CreationOptional<string | null>;
  /** Salted hash of the agent's secret (`createSecretHasher`), never the secret. */
  declare secretHash: CreationOptional<string | null>;
  declare enrolmentState: CreationOptional<EnrolmentState>;
  declare revokedAt: CreationOptional<number | null>;
  declare connectedSince: CreationOptional<number | null>;
  declare lastSeen: CreationOptional<number | null>;
  declare unreachableSince: CreationOptional<number | null>;
  declare agentVersion: CreationOptional<string | null>;
  declare platform: CreationOptional<string | null>;
  declare agentHostname: CreationOptional<string | null>;
  /** SHA-256 of every bundle the agent reported installed. */
  declare bundles: CreationOptional<string[] | null>;
  /** Free labels; a fleet token gives its tags to the hosts it registers (migration 0010). */
  declare tags: CreationOptional<string[] | null>;
  /** The fleet token that registered the host, if one did. */
  declare fleetTokenId: CreationOptional<number | null>;
  /** `agent` (runs our agent) or `device` (monitored by a collector; docs/devices.md; migration 0013). */
  declare kind: CreationOptional<HostKind>;
  /** A device's IP address or DNS name. */
  declare address: CreationOptional<string | null>;
  /** A device's type (printer, switch, …). */
  declare deviceType: CreationOptional<string | null>;
  /** A device's own collector (an enrolled agent host); null: its groups' collector. */
  declare collectorId: CreationOptional<number | null>;
  declare createdAt: CreationOptional<number>;
  declare updatedAt: CreationOptional<number>;
}

export function initHost(sequelize: Sequelize): typeof Host {
  class BoundHost extends Host {}
  BoundHost.init(
    {
      id: pk(),
      name: { ...str(255), unique: true, validate: { notEmpty: true } },
      description: { ...text(), defaultValue: '' },
      agentId: { ...str(64, true), unique: true },
      secretHash: str(255, true),
      enrolmentState: { ...str(16), defaultValue: 'pending', validate: { isIn: [ENROLMENT_STATES as string[]] } },
      revokedAt: time(true),
      connectedSince: time(true),
      lastSeen: time(true),
      unreachableSince: time(true),
      agentVersion: str(64, true),
      platform: str(64, true),
      agentHostname: str(255, true),
      bundles: json(true),
      tags: json(true),
      fleetTokenId: int(true),
      kind: { ...str(16), defaultValue: 'agent', validate: { isIn: [['agent', 'device']] } },
      address: str(253, true),
      deviceType: str(32, true),
      collectorId: int(true),
      createdAt: now(),
      updatedAt: now(),
    },
    { sequelize, tableName: 'hosts', modelName: 'Host', hooks: touchHooks },
  );
  return BoundHost;
}

/** A single-use enrolment token for one host (table `enrolment_tokens`), stored hashed. */
export class EnrolmentToken extends Model<InferAttributes<EnrolmentToken>, InferCreationAttributes<EnrolmentToken>> {
  declare id: CreationOptional<number>;
  declare hostId: number;
  declare tokenHash: string;
  declare expiresAt: number;
  declare usedAt: CreationOptional<number | null>;
  /** User name, or `cli` for `prophasis host add`. */
  declare createdBy: string;
  declare createdAt: CreationOptional<number>;
}

export function initEnrolmentToken(sequelize: Sequelize): typeof EnrolmentToken {
  class BoundEnrolmentToken extends EnrolmentToken {}
  BoundEnrolmentToken.init(
    {
      id: pk(),
      hostId: int(),
      tokenHash: { ...str(255), unique: true },
      expiresAt: time(),
      usedAt: time(true),
      createdBy: str(255),
      createdAt: now(),
    },
    { sequelize, tableName: 'enrolment_tokens', modelName: 'EnrolmentToken' },
  );
  return BoundEnrolmentToken;
}
