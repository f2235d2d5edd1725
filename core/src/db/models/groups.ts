import { Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import { int, now, pk, str, text, touchHooks } from './common.js';

/** A named set of hosts and other groups (table `host_groups`). */
export class HostGroup extends Model<InferAttributes<HostGroup>, InferCreationAttributes<HostGroup>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare description: CreationOptional<string>;
  declare createdAt: CreationOptional<number>;
  declare updatedAt: CreationOptional<number>;
}

/** Host `hostId` is a direct member of group `groupId` (table `host_group_hosts`). */
export class HostGroupHost extends Model<InferAttributes<HostGroupHost>, InferCreationAttributes<HostGroupHost>> {
  declare id: CreationOptional<number>;
  declare groupId: number;
  declare hostId: number;
}

/**
 * Group `childId` is a member of group `parentId` (table `host_group_groups`). Insert through
 * `addGroupToGroup` (db/groups.ts), which refuses cycles; the table itself cannot.
 */
export class HostGroupGroup extends Model<InferAttributes<HostGroupGroup>, InferCreationAttributes<HostGroupGroup>> {
  declare id: CreationOptional<number>;
  declare parentId: number;
  declare childId: number;
}

export function initHostGroup(sequelize: Sequelize): typeof HostGroup {
  class BoundHostGroup extends HostGroup {}
  BoundHostGroup.init(
    {
      id: pk(),
      name: { ...str(255), unique: true, validate: { notEmpty: true } },
      description: { ...text(), defaultValue: '' },
      createdAt: now(),
      updatedAt: now(),
    },
    { sequelize, tableName: 'host_groups', modelName: 'HostGroup', hooks: touchHooks },
  );
  return BoundHostGroup;
}

export function initHostGroupHost(sequelize: Sequelize): typeof HostGroupHost {
  class BoundHostGroupHost extends HostGroupHost {}
  BoundHostGroupHost.init(
    { id: pk(), groupId: int(), hostId: int() },
    { sequelize, tableName: 'host_group_hosts', modelName: 'HostGroupHost' },
  );
  return BoundHostGroupHost;
}

export function initHostGroupGroup(sequelize: Sequelize): typeof HostGroupGroup {
  class BoundHostGroupGroup extends HostGroupGroup {}
  BoundHostGroupGroup.init(
    { id: pk(), parentId: int(), childId: int() },
    { sequelize, tableName: 'host_group_groups', modelName: 'HostGroupGroup' },
  );
  return BoundHostGroupGroup;
}
