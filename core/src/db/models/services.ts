import { Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import { exactlyOne, int, now, pk, str, text, touchHooks } from './common.js';

/** A service: dependencies that must be healthy plus redundancy groups (table `services`). */
export class Service extends Model<InferAttributes<Service>, InferCreationAttributes<Service>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare description: CreationOptional<string>;
  declare createdAt: CreationOptional<number>;
  declare updatedAt: CreationOptional<number>;
}

/** A host OR a group the service depends on (table `service_dependencies`); cascades with it. */
export class ServiceDependency extends Model<InferAttributes<ServiceDependency>, InferCreationAttributes<ServiceDependency>> {
  declare id: CreationOptional<number>;
  declare serviceId: number;
  declare hostId: CreationOptional<number | null>;
  declare groupId: CreationOptional<number | null>;
}

/** A set of hosts/groups of which at least one must be healthy (table `redundancy_groups`). */
export class RedundancyGroup extends Model<InferAttributes<RedundancyGroup>, InferCreationAttributes<RedundancyGroup>> {
  declare id: CreationOptional<number>;
  declare serviceId: number;
  declare name: string;
}

/** A host OR a group in a redundancy group (table `redundancy_group_members`); cascades with it. */
export class RedundancyGroupMember extends Model<
  InferAttributes<RedundancyGroupMember>,
  InferCreationAttributes<RedundancyGroupMember>
> {
  declare id: CreationOptional<number>;
  declare redundancyGroupId: number;
  declare hostId: CreationOptional<number | null>;
  declare groupId: CreationOptional<number | null>;
}

const hostOrGroup = (what: string) => ({
  hostOrGroup(this: Model) {
    exactlyOne(this as unknown as Record<string, unknown>, ['hostId', 'groupId'], what);
  },
});

export function initService(sequelize: Sequelize): typeof Service {
  class BoundService extends Service {}
  BoundService.init(
    {
      id: pk(),
      name: { ...str(255), unique: true, validate: { notEmpty: true } },
      description: { ...text(), defaultValue: '' },
      createdAt: now(),
      updatedAt: now(),
    },
    { sequelize, tableName: 'services', modelName: 'Service', hooks: touchHooks },
  );
  return BoundService;
}

export function initServiceDependency(sequelize: Sequelize): typeof ServiceDependency {
  class BoundServiceDependency extends ServiceDependency {}
  BoundServiceDependency.init(
    { id: pk(), serviceId: int(), hostId: int(true), groupId: int(true) },
    {
      sequelize,
      tableName: 'service_dependencies',
      modelName: 'ServiceDependency',
      validate: hostOrGroup('A service dependency'),
    },
  );
  return BoundServiceDependency;
}

export function initRedundancyGroup(sequelize: Sequelize): typeof RedundancyGroup {
  class BoundRedundancyGroup extends RedundancyGroup {}
  BoundRedundancyGroup.init(
    { id: pk(), serviceId: int(), name: { ...str(255), validate: { notEmpty: true } } },
    { sequelize, tableName: 'redundancy_groups', modelName: 'RedundancyGroup' },
  );
  return BoundRedundancyGroup;
}

export function initRedundancyGroupMember(sequelize: Sequelize): typeof RedundancyGroupMember {
  class BoundRedundancyGroupMember extends RedundancyGroupMember {}
  BoundRedundancyGroupMember.init(
    { id: pk(), redundancyGroupId: int(), hostId: int(true), groupId: int(true) },
    {
      sequelize,
      tableName: 'redundancy_group_members',
      modelName: 'RedundancyGroupMember',
      validate: hostOrGroup('A redundancy group member'),
    },
  );
  return BoundRedundancyGroupMember;
}
