import type { Transaction } from 'sequelize';
import type { Database } from './database.js';
import { DbErrors } from './errors.js';

/**
 * Deletes a plugin (by row id) with its versions, overrides, results, rollups and states, unless
 * a check still uses it: then `CORE_DB_IN_USE` names the checks, and nothing changes. The
 * database enforces the same rule (`check_plugins.plugin_id … ON DELETE RESTRICT`); this
 * function only turns it into a message a user can act on.
 */
export async function deletePlugin(db: Database, id: number, options: { transaction?: Transaction } = {}): Promise<void> {
  const run = async (transaction: Transaction): Promise<void> => {
    const plugin = await db.models.Plugin.findByPk(id, { transaction });
    if (!plugin) throw DbErrors.NOT_FOUND(`plugin ${id}`);
    const uses = await db.models.CheckPlugin.findAll({ where: { pluginId: id }, attributes: ['checkId'], transaction });
    if (uses.length > 0) {
      const checks = await db.models.Check.findAll({ where: { id: uses.map((u) => u.checkId) }, attributes: ['id', 'name'], transaction });
      throw DbErrors.IN_USE(`plugin ${plugin.pluginId} is used by check(s) ${checks.map((c) => c.name).join(', ')}`, {
        checks: checks.map((c) => ({ id: c.id, name: c.name })),
      });
    }
    await plugin.destroy({ transaction });
  };
  if (options.transaction) return run(options.transaction);
  return db.sequelize.transaction(run);
}
