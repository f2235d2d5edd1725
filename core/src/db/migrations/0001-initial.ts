import { DataTypes, type ModelAttributeColumnOptions } from 'sequelize';
import type { Migration, MigrationContext } from './types.js';

/*
 * The first schema (docs/storage.md). Conventions:
 * - every time is epoch milliseconds UTC in a BIGINT column named `*_at`, `since`, `last_seen`;
 * - every foreign key names its ON DELETE action; membership and scope rows CASCADE with either
 *   end, a plugin referenced by a check is RESTRICTed; results and rollups have none (below);
 * - "host or group" references are two nullable foreign keys (exactly one set, checked by the
 *   model) so the database itself can cascade them.
 */

type Columns = Record<string, ModelAttributeColumnOptions>;

const id = (): ModelAttributeColumnOptions => ({ type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false });
const bigId = (): ModelAttributeColumnOptions => ({ type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false });
const time = (allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.BIGINT, allowNull });
const text = (allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.TEXT, allowNull });
const str = (length: number, allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.STRING(length), allowNull });
const json = (allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.JSON, allowNull });
const bool = (defaultValue: boolean): ModelAttributeColumnOptions => ({ type: DataTypes.BOOLEAN, allowNull: false, defaultValue });
const double = (allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.DOUBLE, allowNull });
const fk = (
  table: string,
  onDelete: 'CASCADE' | 'RESTRICT' | 'SET NULL',
  allowNull = false,
): ModelAttributeColumnOptions => ({
  type: DataTypes.INTEGER,
  allowNull,
  references: { model: table, key: 'id' },
  onDelete,
  onUpdate: 'CASCADE',
});
const stamps = (): Columns => ({ created_at: time(), updated_at: time() });

async function table(c: MigrationContext, name: string, columns: Columns): Promise<void> {
  await c.queryInterface.createTable(name, columns, { transaction: c.transaction });
}

async function index(c: MigrationContext, tableName: string, fields: string[], unique = false): Promise<void> {
  await c.queryInterface.addIndex(tableName, fields, {
    name: `${tableName}_${fields.join('_')}_${unique ? 'uq' : 'idx'}`,
    unique,
    transaction: c.transaction,
  });
}

/** Default settings, inserted once; the settings module falls back to the same values. */
const INITIAL_SETTINGS: Readonly<Record<string, unknown>> = {
  maxLatenessMs: 300_000,
  retentionRawDays: 30,
  retentionMinuteDays: 90,
  retentionHourDays: 730,
  retentionSystemLogDays: 90,
};

export const initial: Migration = {
  name: '0001-initial',
  async up(c) {
    // ---- hosts and enrolment -------------------------------------------------------------
    await table(c, 'hosts', {
      id: id(),
      name: { ...str(255), unique: true },
      description: { ...text(), defaultValue: '' },
      agent_id: { ...str(64, true), unique: true },
      secret_hash: str(255, true),
      enrolment_state: { ...str(16), defaultValue: 'pending' },
      revoked_at: time(true),
      connected_since: time(true),
      last_seen: time(true),
      unreachable_since: time(true),
      agent_version: str(64, true),
      platform: str(64, true),
      agent_hostname: str(255, true),
      bundles: json(true),
      ...stamps(),
    });
    await table(c, 'enrolment_tokens', {
      id: id(),
      host_id: fk('hosts', 'CASCADE'),
      token_hash: { ...str(255), unique: true },
      expires_at: time(),
      used_at: time(true),
      created_by: str(255),
      created_at: time(),
    });
    await index(c, 'enrolment_tokens', ['host_id']);

    // ---- host groups ---------------------------------------------------------------------
    await table(c, 'host_groups', { id: id(), name: { ...str(255), unique: true }, description: { ...text(), defaultValue: '' }, ...stamps() });
    await table(c, 'host_group_hosts', { id: id(), group_id: fk('host_groups', 'CASCADE'), host_id: fk('hosts', 'CASCADE') });
    await index(c, 'host_group_hosts', ['group_id', 'host_id'], true);
    await index(c, 'host_group_hosts', ['host_id']);
    await table(c, 'host_group_groups', { id: id(), parent_id: fk('host_groups', 'CASCADE'), child_id: fk('host_groups', 'CASCADE') });
    await index(c, 'host_group_groups', ['parent_id', 'child_id'], true);
    await index(c, 'host_group_groups', ['child_id']);

    // ---- plugins -------------------------------------------------------------------------
    await table(c, 'plugins', {
      id: id(),
      plugin_id: { ...str(128), unique: true },
      name: str(255),
      description: { ...text(), defaultValue: '' },
      ...stamps(),
    });
    await table(c, 'plugin_versions', {
      id: id(),
      plugin_id: fk('plugins', 'CASCADE'),
      version: str(64),
      manifest: json(),
      bundle_sha256: str(64),
      bundle: { type: DataTypes.BLOB, allowNull: true },
      bundle_path: str(1024, true),
      publisher: str(255),
      publisher_key_fingerprint: str(128),
      requested_capabilities: json(),
      approved_capabilities: json(true),
      approved_by: str(255, true),
      approved_at: time(true),
      default_classifier: text(),
      history_count: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
      created_at: time(),
    });
    await index(c, 'plugin_versions', ['plugin_id', 'version'], true);

    // ---- checks --------------------------------------------------------------------------
    await table(c, 'checks', { id: id(), name: { ...str(255), unique: true }, description: { ...text(), defaultValue: '' }, ...stamps() });
    await table(c, 'check_hosts', { id: id(), check_id: fk('checks', 'CASCADE'), host_id: fk('hosts', 'CASCADE') });
    await index(c, 'check_hosts', ['check_id', 'host_id'], true);
    await index(c, 'check_hosts', ['host_id']);
    await table(c, 'check_groups', { id: id(), check_id: fk('checks', 'CASCADE'), group_id: fk('host_groups', 'CASCADE') });
    await index(c, 'check_groups', ['check_id', 'group_id'], true);
    await index(c, 'check_groups', ['group_id']);
    await table(c, 'check_plugins', {
      id: id(),
      check_id: fk('checks', 'CASCADE'),
      // A plugin that a check uses cannot be deleted: remove it from the check first.
      plugin_id: fk('plugins', 'RESTRICT'),
      params: json(),
      classifier_override: text(true),
    });
    await index(c, 'check_plugins', ['check_id', 'plugin_id'], true);
    await index(c, 'check_plugins', ['plugin_id']);
    await table(c, 'classifier_overrides', {
      id: id(),
      plugin_id: fk('plugins', 'CASCADE'),
      scope_kind: str(8),
      check_id: fk('checks', 'CASCADE', true),
      group_id: fk('host_groups', 'CASCADE', true),
      host_id: fk('hosts', 'CASCADE', true),
      code: text(),
      ...stamps(),
    });
    await index(c, 'classifier_overrides', ['plugin_id']);

    // ---- schedules -----------------------------------------------------------------------
    await table(c, 'schedules', {
      id: id(),
      name: { ...str(255), unique: true },
      description: { ...text(), defaultValue: '' },
      enabled: bool(true),
      ...stamps(),
    });
    await table(c, 'schedule_intervals', { id: id(), schedule_id: fk('schedules', 'CASCADE'), start_at: time(), every_ms: time() });
    await index(c, 'schedule_intervals', ['schedule_id']);
    await table(c, 'schedule_checks', { id: id(), schedule_id: fk('schedules', 'CASCADE'), check_id: fk('checks', 'CASCADE') });
    await index(c, 'schedule_checks', ['schedule_id', 'check_id'], true);
    await index(c, 'schedule_checks', ['check_id']);

    // ---- services ------------------------------------------------------------------------
    await table(c, 'services', { id: id(), name: { ...str(255), unique: true }, description: { ...text(), defaultValue: '' }, ...stamps() });
    await table(c, 'service_dependencies', {
      id: id(),
      service_id: fk('services', 'CASCADE'),
      host_id: fk('hosts', 'CASCADE', true),
      group_id: fk('host_groups', 'CASCADE', true),
    });
    await index(c, 'service_dependencies', ['service_id']);
    await table(c, 'redundancy_groups', { id: id(), service_id: fk('services', 'CASCADE'), name: str(255) });
    await index(c, 'redundancy_groups', ['service_id', 'name'], true);
    await table(c, 'redundancy_group_members', {
      id: id(),
      redundancy_group_id: fk('redundancy_groups', 'CASCADE'),
      host_id: fk('hosts', 'CASCADE', true),
      group_id: fk('host_groups', 'CASCADE', true),
    });
    await index(c, 'redundancy_group_members', ['redundancy_group_id']);

    // ---- alerts --------------------------------------------------------------------------
    await table(c, 'alerts', {
      id: id(),
      name: { ...str(255), unique: true },
      from_states: json(),
      to_states: json(),
      module: str(64),
      settings: json(),
      enabled: bool(true),
      ...stamps(),
    });
    await table(c, 'alert_scopes', {
      id: id(),
      alert_id: fk('alerts', 'CASCADE'),
      kind: str(8),
      host_id: fk('hosts', 'CASCADE', true),
      group_id: fk('host_groups', 'CASCADE', true),
      service_id: fk('services', 'CASCADE', true),
      plugin_id: fk('plugins', 'CASCADE', true),
      check_id: fk('checks', 'CASCADE', true),
    });
    await index(c, 'alert_scopes', ['alert_id']);

    // ---- results and state ---------------------------------------------------------------
    // The hot, append-only tables carry no foreign keys: on PostgreSQL each one is a trigger
    // per inserted row and costs about as much as the insert itself. The ingest resolves ids
    // before it writes; deleting a host or plugin purges its history through model hooks
    // (models/index.ts); a result's check id may name a deleted check.
    await table(c, 'results', {
      id: bigId(),
      result_id: str(64),
      host_id: { type: DataTypes.INTEGER, allowNull: false },
      plugin_id: { type: DataTypes.INTEGER, allowNull: false },
      check_id: { type: DataTypes.INTEGER, allowNull: true },
      slot_at: time(true),
      measured_at: time(),
      received_at: time(),
      value: double(true),
      message: text(true),
      result_type: str(32),
      severity: str(16),
      late: bool(false),
    });
    await index(c, 'results', ['result_id'], true);
    await index(c, 'results', ['host_id', 'plugin_id', 'measured_at']);
    // Retention deletes by time across all series.
    await index(c, 'results', ['measured_at']);
    await table(c, 'current_states', {
      id: id(),
      host_id: fk('hosts', 'CASCADE'),
      plugin_id: fk('plugins', 'CASCADE'),
      severity: str(16),
      since: time(),
      last_result_id: str(64, true),
    });
    await index(c, 'current_states', ['host_id', 'plugin_id'], true);
    await table(c, 'state_transitions', {
      id: bigId(),
      host_id: fk('hosts', 'CASCADE', true),
      service_id: fk('services', 'CASCADE', true),
      plugin_id: fk('plugins', 'CASCADE', true),
      from_state: str(16),
      to_state: str(16),
      at: time(),
      late: bool(false),
    });
    await index(c, 'state_transitions', ['at']);
    await index(c, 'state_transitions', ['host_id', 'at']);
    await index(c, 'state_transitions', ['service_id', 'at']);
    for (const name of ['rollups_minute', 'rollups_hour']) {
      await table(c, name, {
        host_id: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
        plugin_id: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
        bucket_start: { ...time(), primaryKey: true },
        value_min: double(),
        value_max: double(),
        value_sum: double(),
        value_count: { type: DataTypes.INTEGER, allowNull: false },
      });
      await index(c, name, ['bucket_start']);
    }

    // ---- system log, settings, users -----------------------------------------------------
    await table(c, 'system_log', {
      id: bigId(),
      at: time(),
      level: str(8),
      component: str(64),
      message: text(),
      context: json(true),
    });
    await index(c, 'system_log', ['at']);
    await table(c, 'settings', { key: { ...str(64), primaryKey: true }, value: json(), updated_at: time() });
    await table(c, 'users', {
      id: id(),
      name: { ...str(255), unique: true },
      password_hash: str(255),
      role: str(16),
      created_at: time(),
      updated_at: time(),
      last_login_at: time(true),
    });
    await table(c, 'sessions', {
      id: { ...str(128), primaryKey: true },
      user_id: fk('users', 'CASCADE'),
      expires_at: time(),
      created_at: time(),
    });
    await index(c, 'sessions', ['user_id']);
    await index(c, 'sessions', ['expires_at']);
    await table(c, 'audit_log', {
      id: bigId(),
      at: time(),
      // The trail outlives the user: the id is cleared, the name stays.
      user_id: fk('users', 'SET NULL', true),
      user_name: str(255),
      action: str(64),
      target_kind: str(32),
      target_id: str(64, true),
      summary: json(true),
    });
    await index(c, 'audit_log', ['at']);

    const now = Date.now();
    await c.queryInterface.bulkInsert(
      'settings',
      Object.entries(INITIAL_SETTINGS).map(([key, value]) => ({ key, value: JSON.stringify(value), updated_at: now })),
      { transaction: c.transaction },
    );
  },
};
