import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

/*
 * Problems (docs/alerts.md, "Acknowledging", "Silences and maintenance windows", "Action links").
 *
 * `acknowledgements`: someone said "I'm on it" about one problem (`problem_key`: `h:<host>`,
 * `h:<host>:p:<plugin row>` or `s:<service>`), in the state it had (`severity`); it ends when
 * the state changes (`sticky`: when it is ok again) and then gets `cleared_at`/`cleared_reason`.
 * `after_transition` is the newest `state_transitions.id` when it was made, so a transition
 * alerting reads late cannot end an acknowledgement made after it.
 *
 * `silences`: one-off, daily, weekly or until-ok windows; `scopes` is JSON (host, group,
 * service, check and plugin ids, or one problem); `ended_at` ends an until-ok silence.
 *
 * `silence_held`: the newest notice a silence kept back per (silence, problem, alert), released
 * once when the silence ends and the problem is still there.
 *
 * `action_links`: signed links sent in notifications (the secret is the HMAC key in the data
 * directory, never in the database): what each may do to which problem, to whom it was sent,
 * until when, and whether it was used or revoked.
 */
export const problems: Migration = {
  name: '0006-problems',
  async up(c) {
    const qi = c.queryInterface;
    const transaction = c.transaction;
    const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false };
    await qi.createTable(
      'acknowledgements',
      {
        id,
        problem_key: { type: DataTypes.STRING(64), allowNull: false },
        host_id: { type: DataTypes.INTEGER, allowNull: true },
        plugin_id: { type: DataTypes.INTEGER, allowNull: true },
        service_id: { type: DataTypes.INTEGER, allowNull: true },
        severity: { type: DataTypes.STRING(16), allowNull: false },
        sticky: { type: DataTypes.BOOLEAN, allowNull: false },
        comment: { type: DataTypes.TEXT, allowNull: false },
        by_user: { type: DataTypes.STRING(255), allowNull: false },
        created_at: { type: DataTypes.BIGINT, allowNull: false },
        after_transition: { type: DataTypes.BIGINT, allowNull: false },
        cleared_at: { type: DataTypes.BIGINT, allowNull: true },
        cleared_reason: { type: DataTypes.STRING(64), allowNull: true },
      },
      { transaction },
    );
    await qi.addIndex('acknowledgements', ['problem_key', 'cleared_at'], { name: 'acknowledgements_problem_idx', transaction });
    await qi.createTable(
      'silences',
      {
        id,
        name: { type: DataTypes.STRING(200), allowNull: false },
        comment: { type: DataTypes.TEXT, allowNull: false },
        kind: { type: DataTypes.STRING(16), allowNull: false },
        starts_at: { type: DataTypes.BIGINT, allowNull: true },
        ends_at: { type: DataTypes.BIGINT, allowNull: true },
        time_zone: { type: DataTypes.STRING(64), allowNull: true },
        start_time: { type: DataTypes.STRING(5), allowNull: true },
        end_time: { type: DataTypes.STRING(5), allowNull: true },
        weekdays: { type: DataTypes.TEXT, allowNull: true },
        scopes: { type: DataTypes.TEXT, allowNull: false },
        created_by: { type: DataTypes.STRING(255), allowNull: false },
        created_at: { type: DataTypes.BIGINT, allowNull: false },
        ended_at: { type: DataTypes.BIGINT, allowNull: true },
      },
      { transaction },
    );
    await qi.createTable(
      'silence_held',
      {
        silence_id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
        problem_key: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
        alert_id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
        module: { type: DataTypes.STRING(64), allowNull: false },
        settings: { type: DataTypes.TEXT, allowNull: false },
        notice: { type: DataTypes.TEXT, allowNull: false },
        held_at: { type: DataTypes.BIGINT, allowNull: false },
      },
      { transaction },
    );
    await qi.createTable(
      'action_links',
      {
        id: { type: DataTypes.STRING(36), primaryKey: true, allowNull: false },
        problem_key: { type: DataTypes.STRING(64), allowNull: false },
        action: { type: DataTypes.STRING(32), allowNull: false },
        recipient: { type: DataTypes.STRING(255), allowNull: false },
        created_at: { type: DataTypes.BIGINT, allowNull: false },
        expires_at: { type: DataTypes.BIGINT, allowNull: false },
        used_at: { type: DataTypes.BIGINT, allowNull: true },
        revoked_at: { type: DataTypes.BIGINT, allowNull: true },
      },
      { transaction },
    );
  },
};
