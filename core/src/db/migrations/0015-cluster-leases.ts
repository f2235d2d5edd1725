import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

/*
 * Several cores on one PostgreSQL (docs/high-availability.md, docs/decisions/0013-several-cores.md).
 * `cluster_members`: one row per core process, its heartbeat (epoch ms of the database's clock)
 * and the schema (last migration) it runs. `cluster_leases`: one row per partition of agents
 * (`p:0` … `p:63`) and per once-only duty (`duty:housekeeping` …); `owner` is the core id holding
 * it until `expires_at` (database clock), `epoch` grows by one at every change of owner (fencing).
 * Created on SQLite too, where a single core never uses them.
 */
export const clusterLeases: Migration = {
  name: '0015-cluster-leases',
  async up(c) {
    const transaction = c.transaction;
    await c.queryInterface.createTable(
      'cluster_members',
      {
        core_id: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
        schema_version: { type: DataTypes.STRING(255), allowNull: false },
        started_at: { type: DataTypes.BIGINT, allowNull: false },
        heartbeat_at: { type: DataTypes.BIGINT, allowNull: false },
      },
      { transaction },
    );
    await c.queryInterface.createTable(
      'cluster_leases',
      {
        name: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
        owner: { type: DataTypes.STRING(64), allowNull: true },
        epoch: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
        expires_at: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
      },
      { transaction },
    );
  },
};
