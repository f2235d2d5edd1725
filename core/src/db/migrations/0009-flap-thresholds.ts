import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

/*
 * Flapping per check (docs/alerts.md, "Flapping").
 *
 * `checks.flap_low_percent`, `checks.flap_high_percent`: the check's own thresholds of the
 * weighted percent state change (both set or both NULL: NULL uses the global settings
 * `flapLowPercent`/`flapHighPercent`).
 *
 * `alert_flapping`: the series (`h:<host>:p:<plugin row>`) and hosts (`h:<host>`) that are
 * flapping now, with the state they had when it started, so a core restarted meanwhile still
 * sends the one "stopped flapping" notice, and lists can mark them. `started_by` is the
 * `state_transitions.id` that started it: a batch the intake reads again after a failed commit
 * gets its "started" again instead of "continues".
 */
export const flapThresholds: Migration = {
  name: '0009-flap-thresholds',
  async up(c) {
    const qi = c.queryInterface;
    const transaction = c.transaction;
    await qi.addColumn('checks', 'flap_low_percent', { type: DataTypes.DOUBLE, allowNull: true }, { transaction });
    await qi.addColumn('checks', 'flap_high_percent', { type: DataTypes.DOUBLE, allowNull: true }, { transaction });
    await qi.createTable(
      'alert_flapping',
      {
        series_key: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
        host_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'hosts', key: 'id' }, onDelete: 'CASCADE' },
        plugin_id: { type: DataTypes.INTEGER, allowNull: true, references: { model: 'plugins', key: 'id' }, onDelete: 'CASCADE' },
        from_state: { type: DataTypes.STRING(16), allowNull: false },
        started_at: { type: DataTypes.BIGINT, allowNull: false },
        started_by: { type: DataTypes.BIGINT, allowNull: true },
      },
      { transaction },
    );
  },
};
