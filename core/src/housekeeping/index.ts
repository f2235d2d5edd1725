/**
 * Housekeeping (docs/storage.md, "Retention and housekeeping"): retention of every growing table
 * on a schedule, PostgreSQL's day partitions, and the table sizes the settings page shows.
 */
export { createHousekeeper, type Housekeeper } from './housekeeper.js';
export { readHousekeepingConfig, HOUSEKEEPING_DEFAULTS, type HousekeepingConfig } from './config.js';
export { RETENTION_RULES } from './rules.js';
export { housekeepingRoutes } from './routes/housekeeping.js';
