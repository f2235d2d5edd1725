import type { Severity } from '@prophasis/protocol';
import { Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import { bool, int, json, now, pk, str, touchHooks } from './common.js';

/** "From state X to state Y" on hosts/services, sent by an alert module (table `alerts`). */
export class Alert extends Model<InferAttributes<Alert>, InferCreationAttributes<Alert>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare fromStates: Severity[];
  declare toStates: Severity[];
  /** Name of the alert module (e.g. `email`). */
  declare module: string;
  declare settings: CreationOptional<Record<string, unknown>>;
  declare enabled: CreationOptional<boolean>;
  declare createdAt: CreationOptional<number>;
  declare updatedAt: CreationOptional<number>;
}

export type AlertScopeKind = 'host' | 'group' | 'service' | 'plugin' | 'check';
const ALERT_SCOPE_KINDS: readonly AlertScopeKind[] = ['host', 'group', 'service', 'plugin', 'check'];

/**
 * One scope of an alert (table `alert_scopes`): exactly the id column matching `kind` is set.
 * The row cascades with its target; an alert left with no scope rows matches nothing.
 */
export class AlertScope extends Model<InferAttributes<AlertScope>, InferCreationAttributes<AlertScope>> {
  declare id: CreationOptional<number>;
  declare alertId: number;
  declare kind: AlertScopeKind;
  declare hostId: CreationOptional<number | null>;
  declare groupId: CreationOptional<number | null>;
  declare serviceId: CreationOptional<number | null>;
  declare pluginId: CreationOptional<number | null>;
  declare checkId: CreationOptional<number | null>;
}

export function initAlert(sequelize: Sequelize): typeof Alert {
  class BoundAlert extends Alert {}
  BoundAlert.init(
    {
      id: pk(),
      name: { ...str(255), unique: true, validate: { notEmpty: true } },
      fromStates: json(),
      toStates: json(),
      module: str(64),
      settings: { ...json(), defaultValue: {} },
      enabled: bool(true),
      createdAt: now(),
      updatedAt: now(),
    },
    { sequelize, tableName: 'alerts', modelName: 'Alert', hooks: touchHooks },
  );
  return BoundAlert;
}

const SCOPE_KEYS = ['hostId', 'groupId', 'serviceId', 'pluginId', 'checkId'] as const;

export function initAlertScope(sequelize: Sequelize): typeof AlertScope {
  class BoundAlertScope extends AlertScope {}
  BoundAlertScope.init(
    {
      id: pk(),
      alertId: int(),
      kind: { ...str(8), validate: { isIn: [ALERT_SCOPE_KINDS as string[]] } },
      hostId: int(true),
      groupId: int(true),
      serviceId: int(true),
      pluginId: int(true),
      checkId: int(true),
    },
    {
      sequelize,
      tableName: 'alert_scopes',
      modelName: 'AlertScope',
      validate: {
        targetMatchesKind(this: AlertScope) {
          const set = SCOPE_KEYS.filter((k) => this[k] != null);
          if (set.length !== 1 || set[0] !== `${this.kind}Id`) {
            throw new Error(`An alert scope of kind ${this.kind} must set exactly ${this.kind}Id`);
          }
        },
      },
    },
  );
  return BoundAlertScope;
}
