import { Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import { bigPk, json, now, str, text, time } from './common.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** An entry of the system log the console shows (table `system_log`). */
export class SystemLog extends Model<InferAttributes<SystemLog>, InferCreationAttributes<SystemLog>> {
  declare id: CreationOptional<number>;
  declare at: CreationOptional<number>;
  declare level: LogLevel;
  declare component: string;
  declare message: string;
  declare context: CreationOptional<Record<string, unknown> | null>;
}

/** One system-wide setting (table `settings`); read through db/settings.ts for typed defaults. */
export class Setting extends Model<InferAttributes<Setting>, InferCreationAttributes<Setting>> {
  declare key: string;
  declare value: unknown;
  declare updatedAt: CreationOptional<number>;
}

export function initSystemLog(sequelize: Sequelize): typeof SystemLog {
  class BoundSystemLog extends SystemLog {}
  BoundSystemLog.init(
    { id: bigPk(), at: now(), level: str(8), component: str(64), message: text(), context: json(true) },
    { sequelize, tableName: 'system_log', modelName: 'SystemLog' },
  );
  return BoundSystemLog;
}

export function initSetting(sequelize: Sequelize): typeof Setting {
  class BoundSetting extends Setting {}
  BoundSetting.init(
    { key: { ...str(64), primaryKey: true }, value: json(), updatedAt: { ...time(), defaultValue: () => Date.now() } },
    { sequelize, tableName: 'settings', modelName: 'Setting' },
  );
  return BoundSetting;
}
