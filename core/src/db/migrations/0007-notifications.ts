import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

/*
 * Notifications (docs/alerts.md, "Repeat and escalation", "Notification history").
 *
 * `alerts.repeat_minutes`: an alert repeats its notice this often while the problem lasts and is
 * neither acknowledged nor silenced (NULL: never). `alerts.escalations`: JSON array of steps
 * `{ afterMinutes, module, settings }`, each sent once when the problem has lasted that long.
 *
 * `alert_problems`: one row per (alert, problem) an alert with repeats or escalations notified
 * and that is not ok again, with its next due times, so repeats and escalations survive a
 * restart; `notice` is the notice that opened it (JSON).
 *
 * `alert_deliveries.status`: `pending` (waiting or retrying, what the queue resumes),
 * `delivered` or `failed` (abandoned), kept for the console's notification history until
 * retention (`retentionAlertDeliveriesDays`) removes them; `finished_at` when it ended.
 */
export const notifications: Migration = {
  name: '0007-notifications',
  async up(c) {
    const qi = c.queryInterface;
    const transaction = c.transaction;
    await qi.addColumn('alerts', 'repeat_minutes', { type: DataTypes.INTEGER, allowNull: true }, { transaction });
    await qi.addColumn('alerts', 'escalations', { type: DataTypes.TEXT, allowNull: true }, { transaction });
    await qi.createTable(
      'alert_problems',
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
        alert_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'alerts', key: 'id' }, onDelete: 'CASCADE' },
        problem_key: { type: DataTypes.STRING(64), allowNull: false },
        notice: { type: DataTypes.TEXT, allowNull: false },
        opened_at: { type: DataTypes.BIGINT, allowNull: false },
        next_repeat_at: { type: DataTypes.BIGINT, allowNull: true },
        next_step: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        next_escalation_at: { type: DataTypes.BIGINT, allowNull: true },
      },
      { transaction },
    );
    await qi.addIndex('alert_problems', ['alert_id', 'problem_key'], { name: 'alert_problems_alert_problem_idx', unique: true, transaction });
    await qi.addIndex('alert_problems', ['problem_key'], { name: 'alert_problems_problem_idx', transaction });
    await qi.addColumn('alert_deliveries', 'status', { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'pending' }, { transaction });
    await qi.addColumn('alert_deliveries', 'finished_at', { type: DataTypes.BIGINT, allowNull: true }, { transaction });
    await qi.addIndex('alert_deliveries', ['status'], { name: 'alert_deliveries_status_idx', transaction });
  },
};
