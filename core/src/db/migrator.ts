import type { Logger } from '@prophasis/protocol';
import { QueryTypes, Transaction, type Sequelize } from 'sequelize';
import { Umzug, type UmzugStorage } from 'umzug';
import { DbErrors } from './errors.js';
import type { Migration } from './migrations/index.js';

/** Name of the table that records applied migrations. */
const MIGRATIONS_TABLE = 'schema_migrations';

// Arbitrary constant: serialises concurrent migrators (two cores starting at once) on PostgreSQL.
const PG_MIGRATION_LOCK = 4_227_117;

/**
 * Applies the pending `migrations` in order. Each migration runs in its own transaction together
 * with the row that records it, so a migration is either applied and recorded or neither; both
 * PostgreSQL and SQLite roll back DDL, so a failing migration leaves the schema as it was.
 * Applying again is a no-op. Throws `CORE_DB_MIGRATION_FAILED` naming the failed migration.
 */
export async function runMigrations(
  sequelize: Sequelize,
  migrations: readonly Migration[],
  logger: Logger,
): Promise<string[]> {
  const dialect = sequelize.getDialect() as 'sqlite' | 'postgres';
  const qi = sequelize.getQueryInterface();
  const quoted = qi.quoteIdentifier(MIGRATIONS_TABLE);
  await sequelize.query(
    `CREATE TABLE IF NOT EXISTS ${quoted} (name VARCHAR(255) PRIMARY KEY, applied_at BIGINT NOT NULL)`,
  );

  const applied = async (transaction?: Transaction): Promise<string[]> =>
    (
      await sequelize.query<{ name: string }>(`SELECT name FROM ${quoted} ORDER BY name`, {
        type: QueryTypes.SELECT,
        ...(transaction ? { transaction } : {}),
      })
    ).map((r) => r.name);

  // The record is written inside the migration's transaction (below), so the storage only reads.
  const storage: UmzugStorage = {
    executed: async () => applied(),
    logMigration: async () => {},
    unlogMigration: async ({ name }) => {
      await sequelize.query(`DELETE FROM ${quoted} WHERE name = ?`, { replacements: [name] });
    },
  };

  const umzug = new Umzug({
    migrations: migrations.map((m) => ({
      name: m.name,
      up: async () =>
        sequelize.transaction({ type: Transaction.TYPES.IMMEDIATE }, async (transaction) => {
          if (dialect === 'postgres') {
            await sequelize.query(`SELECT pg_advisory_xact_lock(${PG_MIGRATION_LOCK})`, { transaction });
          }
          // Another process may have applied it while we waited for the lock.
          if ((await applied(transaction)).includes(m.name)) return;
          await m.up({ sequelize, queryInterface: qi, transaction, dialect });
          await sequelize.query(`INSERT INTO ${quoted} (name, applied_at) VALUES (?, ?)`, {
            replacements: [m.name, Date.now()],
            transaction,
          });
        }),
    })),
    storage,
    logger: undefined,
  });

  let current = '';
  umzug.on('migrating', ({ name }) => {
    current = name;
    logger.info({ migration: name }, 'applying database migration');
  });
  try {
    const done = await umzug.up();
    return done.map((m) => m.name);
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    const reason = cause instanceof Error ? cause.message : String(cause);
    logger.error({ migration: current, err: cause }, 'database migration failed; its changes were rolled back');
    throw DbErrors.MIGRATION_FAILED(`${current}: ${reason}`, { migration: current });
  }
}
