import { Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import { bigPk, int, json, now, pk, str, time, touchHooks } from './common.js';

export type Role = 'admin' | 'operator' | 'viewer';
const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];

/** A console user (table `users`). */
export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<number>;
  declare name: string;
  /** scrypt/argon2 hash with its parameters and salt; never a password. */
  declare passwordHash: string;
  declare role: Role;
  declare createdAt: CreationOptional<number>;
  declare updatedAt: CreationOptional<number>;
  declare lastLoginAt: CreationOptional<number | null>;
}

/** A login session (table `sessions`); `id` is the hash of the session token, never the token. */
export class Session extends Model<InferAttributes<Session>, InferCreationAttributes<Session>> {
  declare id: string;
  declare userId: number;
  declare expiresAt: number;
  declare createdAt: CreationOptional<number>;
}

/** One configuration change (table `audit_log`). `userName` survives the user's deletion. */
export class AuditLog extends Model<InferAttributes<AuditLog>, InferCreationAttributes<AuditLog>> {
  declare id: CreationOptional<number>;
  declare at: CreationOptional<number>;
  declare userId: CreationOptional<number | null>;
  declare userName: string;
  /** e.g. `create`, `update`, `delete`, `approve`. */
  declare action: string;
  /** e.g. `host`, `check`, `plugin_version`. */
  declare targetKind: string;
  declare targetId: CreationOptional<string | null>;
  declare summary: unknown;
}

export function initUser(sequelize: Sequelize): typeof User {
  class BoundUser extends User {}
  BoundUser.init(
    {
      id: pk(),
      name: { ...str(255), unique: true, validate: { notEmpty: true } },
      passwordHash: str(255),
      role: { ...str(16), validate: { isIn: [ROLES as string[]] } },
      createdAt: now(),
      updatedAt: now(),
      lastLoginAt: time(true),
    },
    { sequelize, tableName: 'users', modelName: 'User', hooks: touchHooks },
  );
  return BoundUser;
}

export function initSession(sequelize: Sequelize): typeof Session {
  class BoundSession extends Session {}
  BoundSession.init(
    { id: { ...str(128), primaryKey: true }, userId: int(), expiresAt: time(), createdAt: now() },
    { sequelize, tableName: 'sessions', modelName: 'Session' },
  );
  return BoundSession;
}

export function initAuditLog(sequelize: Sequelize): typeof AuditLog {
  class BoundAuditLog extends AuditLog {}
  BoundAuditLog.init(
    {
      id: bigPk(),
      at: now(),
      userId: int(true),
      userName: str(255),
      action: str(64),
      targetKind: str(32),
      targetId: str(64, true),
      summary: json(true),
    },
    { sequelize, tableName: 'audit_log', modelName: 'AuditLog' },
  );
  return BoundAuditLog;
}
