import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

/*
 * Notification templates (docs/alerts.md, "Templates").
 *
 * `alert_templates`: one row per alert module whose texts an administrator edited, with the
 * Mustache sources of its subject, plain-text body and (e-mail only) HTML body. A module without
 * a row uses the built-in defaults, which reproduce the texts of core/src/alerting/message.ts,
 * so nothing changes for those who never edit. Every source was parsed and checked against the
 * known variables when it was saved: a stored template always renders.
 */
export const alertTemplates: Migration = {
  name: '0008-alert-templates',
  async up(c) {
    await c.queryInterface.createTable(
      'alert_templates',
      {
        module: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
        subject: { type: DataTypes.TEXT, allowNull: false },
        text: { type: DataTypes.TEXT, allowNull: false },
        html: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
        updated_at: { type: DataTypes.BIGINT, allowNull: false },
        updated_by: { type: DataTypes.STRING(255), allowNull: true },
      },
      { transaction: c.transaction },
    );
  },
};
