import type { DestroyOptions, Model, ModelStatic, Sequelize, Transaction } from 'sequelize';

/** Tables without foreign keys (see migration 0001) that hold a host's or plugin's history. */
const HISTORY_TABLES = ['results', 'rollups_minute', 'rollups_hour'] as const;

/**
 * Deletes the stored history of hosts or plugins: what ON DELETE CASCADE would do if the hot
 * tables had foreign keys. Runs in the caller's transaction so the delete stays atomic.
 */
async function purgeHistory(
  sequelize: Sequelize,
  column: 'host_id' | 'plugin_id',
  ids: readonly number[],
  transaction?: Transaction | null,
): Promise<void> {
  if (ids.length === 0) return;
  for (const table of HISTORY_TABLES) {
    await sequelize.query(`DELETE FROM ${table} WHERE ${column} IN (?)`, {
      replacements: [ids],
      ...(transaction ? { transaction } : {}),
    });
  }
}

/**
 * Purges history after every destroy of `model`, whether `instance.destroy()` or
 * `Model.destroy({ where })` (bulk destroys are switched to per-instance hooks for that).
 */
export function purgeHistoryOnDestroy(model: ModelStatic<Model>, column: 'host_id' | 'plugin_id'): void {
  model.addHook('beforeBulkDestroy', (options: DestroyOptions) => {
    options.individualHooks = true;
  });
  model.addHook('afterDestroy', async (instance: Model, options: DestroyOptions) => {
    const id = instance.get('id') as number;
    await purgeHistory(model.sequelize as Sequelize, column, [id], options.transaction);
  });
}
