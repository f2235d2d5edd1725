import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

/*
 * Parent/child dependencies between hosts (docs/devices.md, "Dependencies"; docs/alerts.md,
 * "Dependencies").
 *
 * `host_parents`: one row per (host, parent): the host is reached through the parent (router →
 * switch → hosts). Both CASCADE: a deleted host leaves no edge behind. The API refuses cycles and
 * self-parenting, so the rows form a directed acyclic graph.
 *
 * `dependency_held`: the newest notice kept back per (problem, alert) because a parent of the
 * problem's host was down (`parent_id`: the down ancestor named in `causedBy`); released once when
 * no parent holds it any more and the problem is still there, dropped when it is ok again.
 */
export const hostDependencies: Migration = {
  name: '0014-host-dependencies',
  async up(c) {
    const transaction = c.transaction;
    const qi = c.queryInterface;
    const hostRef = { type: DataTypes.INTEGER, allowNull: false, references: { model: 'hosts', key: 'id' }, onDelete: 'CASCADE', onUpdate: 'CASCADE' } as const;
    await qi.createTable('host_parents', { host_id: { ...hostRef, primaryKey: true }, parent_id: { ...hostRef, primaryKey: true } }, { transaction });
    await qi.addIndex('host_parents', ['parent_id'], { name: 'host_parents_parent_id_idx', transaction });
    await qi.createTable(
      'dependency_held',
      {
        problem_key: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
        alert_id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
        parent_id: { type: DataTypes.INTEGER, allowNull: false },
        module: { type: DataTypes.STRING(64), allowNull: false },
        settings: { type: DataTypes.TEXT, allowNull: false },
        notice: { type: DataTypes.TEXT, allowNull: false },
        held_at: { type: DataTypes.BIGINT, allowNull: false },
      },
      { transaction },
    );
  },
};
