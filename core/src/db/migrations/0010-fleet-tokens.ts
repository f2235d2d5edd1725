import { DataTypes, type ModelAttributeColumnOptions } from 'sequelize';
import type { Migration, MigrationContext } from './types.js';

/*
 * Auto-registration (docs/enrolment.md, "Fleet tokens and registration rules").
 *
 * `fleet_tokens`: reusable enrolment tokens, stored as the SHA-256 of the token only. A token
 * registers hosts until `expires_at`, until it is revoked (`revoked_at`) or, with `max_hosts`,
 * until `hosts_registered` reached it; the counter is raised by the same conditional UPDATE that
 * admits a registration, so concurrent agents never exceed the limit. `tags` (JSON array) and
 * `fleet_token_groups` are given to every host the token registers.
 *
 * `registration_rules`: ordered (`position`) rules that map what a registering agent reports
 * (host name glob or /regex/, platform, architecture) to host groups (`registration_rule_groups`).
 *
 * `hosts.tags` (JSON array, NULL: none) and `hosts.fleet_token_id` (which token registered the
 * host; SET NULL when the token row goes).
 */

const id = (): ModelAttributeColumnOptions => ({ type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false });
const fk = (table: string, onDelete: 'CASCADE' | 'SET NULL', allowNull = false): ModelAttributeColumnOptions => ({
  type: DataTypes.INTEGER,
  allowNull,
  references: { model: table, key: 'id' },
  onDelete,
  onUpdate: 'CASCADE',
});
const time = (allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.BIGINT, allowNull });
const str = (length: number, allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.STRING(length), allowNull });

async function index(c: MigrationContext, tableName: string, fields: string[], unique = false): Promise<void> {
  await c.queryInterface.addIndex(tableName, fields, { name: `${tableName}_${fields.join('_')}_${unique ? 'uq' : 'idx'}`, unique, transaction: c.transaction });
}

export const fleetTokens: Migration = {
  name: '0010-fleet-tokens',
  async up(c) {
    const qi = c.queryInterface;
    const transaction = c.transaction;
    await qi.createTable(
      'fleet_tokens',
      {
        id: id(),
        name: str(128),
        token_hash: { ...str(64), unique: true },
        expires_at: time(),
        revoked_at: time(true),
        max_hosts: { type: DataTypes.INTEGER, allowNull: true },
        hosts_registered: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        tags: { type: DataTypes.JSON, allowNull: false },
        last_used_at: time(true),
        created_by: str(255),
        created_at: time(),
        updated_at: time(),
      },
      { transaction },
    );
    await qi.createTable('fleet_token_groups', { id: id(), token_id: fk('fleet_tokens', 'CASCADE'), group_id: fk('host_groups', 'CASCADE') }, { transaction });
    await index(c, 'fleet_token_groups', ['token_id', 'group_id'], true);
    await index(c, 'fleet_token_groups', ['group_id']);

    await qi.createTable(
      'registration_rules',
      {
        id: id(),
        name: str(128),
        position: { type: DataTypes.INTEGER, allowNull: false },
        hostname_pattern: str(255, true),
        platform: str(32, true),
        arch: str(32, true),
        stop: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        created_at: time(),
        updated_at: time(),
      },
      { transaction },
    );
    await index(c, 'registration_rules', ['position']);
    await qi.createTable('registration_rule_groups', { id: id(), rule_id: fk('registration_rules', 'CASCADE'), group_id: fk('host_groups', 'CASCADE') }, { transaction });
    await index(c, 'registration_rule_groups', ['rule_id', 'group_id'], true);
    await index(c, 'registration_rule_groups', ['group_id']);

    await qi.addColumn('hosts', 'tags', { type: DataTypes.JSON, allowNull: true }, { transaction });
    await qi.addColumn('hosts', 'fleet_token_id', fk('fleet_tokens', 'SET NULL', true), { transaction });
  },
};
