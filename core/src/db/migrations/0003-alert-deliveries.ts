import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

/*
 * Pending alert deliveries (docs/alerts.md, "Delivery and retries"): one row per notice waiting to
 * be delivered by one module, written when an alert matches and removed when the delivery
 * succeeds or is abandoned, so a restart resumes what was pending instead of losing it.
 *
 * `alert_id` is a plain integer, not a foreign key: a delivery carries the alert's settings and
 * the notice as they were when it matched, so deleting the alert while the delivery is pending
 * does not cancel it — the change happened and is still reported. `settings` and `notice` are
 * JSON text (parsed by the store, core/src/alerting/sequelize-store.ts). `next_at` is indexed:
 * the store reads pending rows in that order.
 *
 * Idempotent: the table and the index are created only if they do not exist yet.
 */
export const alertDeliveries: Migration = {
  name: '0003-alert-deliveries',
  async up(c) {
    // Sequelize writes CREATE TABLE IF NOT EXISTS on both dialects.
    await c.queryInterface.createTable(
      'alert_deliveries',
      {
        id: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
        alert_id: { type: DataTypes.INTEGER, allowNull: false },
        module: { type: DataTypes.STRING(64), allowNull: false },
        settings: { type: DataTypes.TEXT, allowNull: false },
        notice: { type: DataTypes.TEXT, allowNull: false },
        attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        next_at: { type: DataTypes.BIGINT, allowNull: false },
        created_at: { type: DataTypes.BIGINT, allowNull: false },
        last_error: { type: DataTypes.TEXT, allowNull: true },
      },
      { transaction: c.transaction },
    );
    await c.sequelize.query('CREATE INDEX IF NOT EXISTS alert_deliveries_next_at_idx ON alert_deliveries (next_at)', { transaction: c.transaction });
  },
};
