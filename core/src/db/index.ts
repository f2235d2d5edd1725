/**
 * The core's database layer (docs/storage.md): `createDatabase` opens SQLite or PostgreSQL and
 * binds the models; migrations define the schema; the result store writes results in batches
 * and maintains rollups; repository functions guard invariants the schema cannot express.
 */
export { createDatabase, type Database } from './database.js';
export { DbErrors, translateDbError } from './errors.js';
export { MIGRATIONS, type Migration } from './migrations/index.js';
export { deletePlugin } from './deletes.js';
export { readSettings, writeSettings, DEFAULT_SETTINGS, type Settings } from './settings.js';
export {
  createResultStore,
  MINUTE_MS,
  HOUR_MS,
  type ResultStore,
  type ResultRow,
  type ExpiryTarget,
} from './results-store.js';
export {
  createDayPartition,
  dayStart,
  defaultPartitionName,
  isPartitioned,
  listPartitions,
  partitionRows,
  sqlIn,
  PARTITION_MS,
  PARTITIONED_TABLES,
  type PartitionedTable,
  type Sql,
} from './partitions.js';
export * from './models/index.js';
