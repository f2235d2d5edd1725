import { DataTypes, type ModelAttributeColumnOptions } from 'sequelize';
import type { Migration, MigrationContext } from './types.js';

/*
 * Agent self-upgrade from the core (docs/decisions/0009-agent-self-upgrade.md, "The whole path").
 *
 * `agent_versions`: one row per approved version and platform package: the package's SHA-256 and
 * size, the file the core keeps it in (under its data directory, `downloads/agent-versions/`),
 * the site key's id and its Ed25519 signature over version, platform and hash. Unique per
 * (version, platform): an approved package never changes.
 *
 * `agent_upgrade_rollouts`: a version offered to host groups in stages (`stages`: JSON array of
 * `{ groupIds }`, an empty list meaning every host), the stage offered now, when the next stage
 * starts by itself (`promote_at_percent` of the stage's hosts running the version, with
 * `auto_promote`), and `state` (running, completed, aborted).
 *
 * `agent_upgrade_hosts`: one row per host: the platform its agent last reported and its place in
 * the latest rollout that reached it (stage, status, reason), plus the installation's own
 * record of its last upgrade (`last_upgrade`, JSON, from `state` online). CASCADE with the host.
 */

const id = (): ModelAttributeColumnOptions => ({ type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false });
const time = (allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.BIGINT, allowNull });
const str = (length: number, allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.STRING(length), allowNull });

async function index(c: MigrationContext, tableName: string, fields: string[], unique = false): Promise<void> {
  await c.queryInterface.addIndex(tableName, fields, { name: `${tableName}_${fields.join('_')}_${unique ? 'uq' : 'idx'}`, unique, transaction: c.transaction });
}

export const agentUpgrades: Migration = {
  name: '0011-agent-upgrades',
  async up(c) {
    const qi = c.queryInterface;
    const transaction = c.transaction;
    await qi.createTable(
      'agent_versions',
      {
        id: id(),
        version: str(64),
        platform: str(32),
        sha256: str(64),
        size: { type: DataTypes.BIGINT, allowNull: false },
        file: str(255),
        key_id: str(64),
        signature: str(128),
        approved_by: str(255),
        approved_at: time(),
      },
      { transaction },
    );
    await index(c, 'agent_versions', ['version', 'platform'], true);

    await qi.createTable(
      'agent_upgrade_rollouts',
      {
        id: id(),
        version: str(64),
        stages: { type: DataTypes.JSON, allowNull: false },
        stage: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        promote_at_percent: { type: DataTypes.INTEGER, allowNull: false },
        auto_promote: { type: DataTypes.BOOLEAN, allowNull: false },
        state: str(16),
        created_by: str(255),
        created_at: time(),
        updated_at: time(),
      },
      { transaction },
    );
    await index(c, 'agent_upgrade_rollouts', ['state']);

    await qi.createTable(
      'agent_upgrade_hosts',
      {
        id: id(),
        host_id: { type: DataTypes.INTEGER, allowNull: false, unique: true, references: { model: 'hosts', key: 'id' }, onDelete: 'CASCADE', onUpdate: 'CASCADE' },
        platform: str(32, true),
        rollout_id: { type: DataTypes.INTEGER, allowNull: true, references: { model: 'agent_upgrade_rollouts', key: 'id' }, onDelete: 'SET NULL', onUpdate: 'CASCADE' },
        stage: { type: DataTypes.INTEGER, allowNull: true },
        status: str(16, true),
        reason: { type: DataTypes.TEXT, allowNull: true },
        offered_at: time(true),
        last_upgrade: { type: DataTypes.JSON, allowNull: true },
        updated_at: time(),
      },
      { transaction },
    );
    await index(c, 'agent_upgrade_hosts', ['rollout_id']);
  },
};
