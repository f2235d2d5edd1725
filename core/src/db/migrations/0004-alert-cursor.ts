import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

/*
 * Durable alerting (docs/alerts.md, "Where transitions come from"): alerting reads
 * `state_transitions` after a cursor kept in `alert_cursor` and moves it in the transaction that
 * writes the pending deliveries of what it read, so every committed transition becomes its
 * deliveries exactly once, whenever the core is killed.
 *
 * `alert_cursor`: one row per reader (`name`; the core has one, `state_transitions`): `last_id`,
 * and on PostgreSQL `last_xact_id`, the position of the last row turned into deliveries.
 *
 * PostgreSQL only: `state_transitions.xact_id`, the id of the transaction that wrote the row
 * (`pg_current_xact_id()`, a column default, so no writer changes). Ids come from a sequence and
 * concurrent transactions commit in any order, so a reader that has seen id 11 may later see id
 * 10 commit; ordered by (xact_id, id) and read only below the oldest transaction still running
 * (`pg_snapshot_xmin`), nothing can appear behind the cursor. Rows written before this migration
 * keep NULL and are never read (they are history). Indexed for that read. SQLite has one writer at
 * a time, so its ids commit in order and the id alone is the cursor.
 *
 * Idempotent: the table, column, default and index are created only if missing.
 */
export const alertCursor: Migration = {
  name: '0004-alert-cursor',
  async up(c) {
    const run = (sql: string) => c.sequelize.query(sql, { transaction: c.transaction });
    await c.queryInterface.createTable(
      'alert_cursor',
      {
        name: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
        last_id: { type: DataTypes.BIGINT, allowNull: false },
        last_xact_id: { type: DataTypes.BIGINT, allowNull: true },
        updated_at: { type: DataTypes.BIGINT, allowNull: false },
      },
      { transaction: c.transaction },
    );
    if (c.dialect === 'postgres') {
      // Added without a default first (no table rewrite: old rows stay NULL), then the default.
      await run('ALTER TABLE state_transitions ADD COLUMN IF NOT EXISTS xact_id xid8');
      await run('ALTER TABLE state_transitions ALTER COLUMN xact_id SET DEFAULT pg_current_xact_id()');
      await run('CREATE INDEX IF NOT EXISTS state_transitions_xact_id_idx ON state_transitions (xact_id, id)');
    }
  },
};
