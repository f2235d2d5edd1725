/**
 * The core's database layer (docs/storage.md): `createDatabase` opens SQLite or PostgreSQL and
 * binds the models; migrations define the schema; the result store writes results in batches
 * and maintains rollups; repository functions guard invariants the schema cannot express.
 */
export { createDatabase, type Database, type DatabaseConfig, type DatabaseDeps } from './database.js';
export { DbErrors, translateDbError } from './errors.js';
export { MIGRATIONS, INITIAL_SETTINGS, type Migration, type MigrationContext } from './migrations/index.js';
export { runMigrations, MIGRATIONS_TABLE } from './migrator.js';
export { deletePlugin } from './deletes.js';
export { readSettings, writeSettings, DEFAULT_SETTINGS, SettingsSchema, type Settings, type SettingKey } from './settings.js';
export {
  createResultStore,
  aggregate,
  MINUTE_MS,
  HOUR_MS,
  type ResultStore,
  type ResultRow,
  type Series,
  type SeriesPoint,
  type Resolution,
  type RetentionReport,
} from './results-store.js';
export * from './models/index.js';
