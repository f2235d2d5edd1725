import { DataTypes, type ModelAttributeColumnOptions } from 'sequelize';
import type { Migration } from './types.js';

/*
 * Devices (docs/devices.md): hosts without an agent of their own, monitored by a collector.
 *
 * `hosts.kind` (`agent` | `device`, default `agent`); a device's `address` (IP or DNS name),
 * `device_type` (printer, switch, router, ups, nas, access-point, other) and `collector_id`
 * (the enrolled agent host that runs its checks; SET NULL when that host is deleted: the device
 * then falls back to its groups' collector, or has none).
 *
 * `host_group_collectors`: a group's collector, inherited by the devices of the group (and of
 * its nested groups) that name none themselves. One row per group.
 *
 * `check_plugins.secrets`: the parameters the plugin's schema marks `format: "secret"`, as one
 * AES-256-GCM sealed JSON object (core/src/kernel/secret-box.ts); `params` never holds them.
 */
const fkHost = (): ModelAttributeColumnOptions => ({
  type: DataTypes.INTEGER,
  allowNull: true,
  references: { model: 'hosts', key: 'id' },
  onDelete: 'SET NULL',
  onUpdate: 'CASCADE',
});

export const devices: Migration = {
  name: '0013-devices',
  async up(c) {
    const qi = c.queryInterface;
    const transaction = c.transaction;
    await qi.addColumn('hosts', 'kind', { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'agent' }, { transaction });
    await qi.addColumn('hosts', 'address', { type: DataTypes.STRING(253), allowNull: true }, { transaction });
    await qi.addColumn('hosts', 'device_type', { type: DataTypes.STRING(32), allowNull: true }, { transaction });
    await qi.addColumn('hosts', 'collector_id', fkHost(), { transaction });
    await qi.addIndex('hosts', ['collector_id'], { name: 'hosts_collector_id_idx', transaction });
    await qi.createTable(
      'host_group_collectors',
      {
        group_id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false, references: { model: 'host_groups', key: 'id' }, onDelete: 'CASCADE', onUpdate: 'CASCADE' },
        collector_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'hosts', key: 'id' }, onDelete: 'CASCADE', onUpdate: 'CASCADE' },
      },
      { transaction },
    );
    await qi.addIndex('host_group_collectors', ['collector_id'], { name: 'host_group_collectors_collector_id_idx', transaction });
    await qi.addColumn('check_plugins', 'secrets', { type: DataTypes.TEXT, allowNull: true }, { transaction });
  },
};
