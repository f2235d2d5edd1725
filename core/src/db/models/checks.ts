import { Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import { double, exactlyOne, int, json, now, pk, str, text, touchHooks } from './common.js';

/** A named set of hosts/groups × a set of plugins (table `checks`). */
export class Check extends Model<InferAttributes<Check>, InferCreationAttributes<Check>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare description: CreationOptional<string>;
  /** Flap thresholds of this check (docs/alerts.md, "Flapping"); both null: the global settings. */
  declare flapLowPercent: CreationOptional<number | null>;
  declare flapHighPercent: CreationOptional<number | null>;
  declare createdAt: CreationOptional<number>;
  declare updatedAt: CreationOptional<number>;
}

/** Table `check_hosts`; cascades with the check and the host. */
export class CheckHost extends Model<InferAttributes<CheckHost>, InferCreationAttributes<CheckHost>> {
  declare id: CreationOptional<number>;
  declare checkId: number;
  declare hostId: number;
}

/** Table `check_groups`; cascades with the check and the group. */
export class CheckGroup extends Model<InferAttributes<CheckGroup>, InferCreationAttributes<CheckGroup>> {
  declare id: CreationOptional<number>;
  declare checkId: number;
  declare groupId: number;
}

/** A plugin in a check with its parameter values (table `check_plugins`). Keeps its plugin from deletion. */
export class CheckPlugin extends Model<InferAttributes<CheckPlugin>, InferCreationAttributes<CheckPlugin>> {
  declare id: CreationOptional<number>;
  declare checkId: number;
  declare pluginId: number;
  declare params: CreationOptional<Record<string, unknown>>;
  /** Lua classifier used instead of the plugin's default for this check, if any. */
  declare classifierOverride: CreationOptional<string | null>;
  /** The secret parameters (schema `format: "secret"`), sealed by the core's secret box; never in `params` (migration 0013). */
  declare secrets: CreationOptional<string | null>;
}

export type ClassifierScopeKind = 'check' | 'group' | 'host';
const CLASSIFIER_SCOPE_KINDS: readonly ClassifierScopeKind[] = ['check', 'group', 'host'];

/**
 * A Lua classifier replacing a plugin's default for one check, group or host (table
 * `classifier_overrides`). Exactly the id matching `scopeKind` is set; it cascades with its scope.
 */
export class ClassifierOverride extends Model<InferAttributes<ClassifierOverride>, InferCreationAttributes<ClassifierOverride>> {
  declare id: CreationOptional<number>;
  declare pluginId: number;
  declare scopeKind: ClassifierScopeKind;
  declare checkId: CreationOptional<number | null>;
  declare groupId: CreationOptional<number | null>;
  declare hostId: CreationOptional<number | null>;
  declare code: string;
  declare createdAt: CreationOptional<number>;
  declare updatedAt: CreationOptional<number>;
}

export function initCheck(sequelize: Sequelize): typeof Check {
  class BoundCheck extends Check {}
  BoundCheck.init(
    {
      id: pk(),
      name: { ...str(255), unique: true, validate: { notEmpty: true } },
      description: { ...text(), defaultValue: '' },
      flapLowPercent: double(true),
      flapHighPercent: double(true),
      createdAt: now(),
      updatedAt: now(),
    },
    { sequelize, tableName: 'checks', modelName: 'Check', hooks: touchHooks },
  );
  return BoundCheck;
}

export function initCheckHost(sequelize: Sequelize): typeof CheckHost {
  class BoundCheckHost extends CheckHost {}
  BoundCheckHost.init({ id: pk(), checkId: int(), hostId: int() }, { sequelize, tableName: 'check_hosts', modelName: 'CheckHost' });
  return BoundCheckHost;
}

export function initCheckGroup(sequelize: Sequelize): typeof CheckGroup {
  class BoundCheckGroup extends CheckGroup {}
  BoundCheckGroup.init({ id: pk(), checkId: int(), groupId: int() }, { sequelize, tableName: 'check_groups', modelName: 'CheckGroup' });
  return BoundCheckGroup;
}

export function initCheckPlugin(sequelize: Sequelize): typeof CheckPlugin {
  class BoundCheckPlugin extends CheckPlugin {}
  BoundCheckPlugin.init(
    { id: pk(), checkId: int(), pluginId: int(), params: { ...json(), defaultValue: {} }, classifierOverride: text(true), secrets: text(true) },
    { sequelize, tableName: 'check_plugins', modelName: 'CheckPlugin' },
  );
  return BoundCheckPlugin;
}

export function initClassifierOverride(sequelize: Sequelize): typeof ClassifierOverride {
  class BoundClassifierOverride extends ClassifierOverride {}
  BoundClassifierOverride.init(
    {
      id: pk(),
      pluginId: int(),
      scopeKind: { ...str(8), validate: { isIn: [CLASSIFIER_SCOPE_KINDS as string[]] } },
      checkId: int(true),
      groupId: int(true),
      hostId: int(true),
      code: text(),
      createdAt: now(),
      updatedAt: now(),
    },
    {
      sequelize,
      tableName: 'classifier_overrides',
      modelName: 'ClassifierOverride',
      hooks: touchHooks,
      validate: {
        scopeMatchesKind(this: ClassifierOverride) {
          exactlyOne(this as unknown as Record<string, unknown>, ['checkId', 'groupId', 'hostId'], 'A classifier override');
          const key = `${this.scopeKind}Id` as 'checkId' | 'groupId' | 'hostId';
          if (this[key] == null) throw new Error(`A classifier override of kind ${this.scopeKind} must set ${key}`);
        },
      },
    },
  );
  return BoundClassifierOverride;
}
