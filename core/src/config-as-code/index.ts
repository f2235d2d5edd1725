/**
 * Configuration as code (docs/configuration-as-code.md): the configuration as one YAML file by
 * stable names (`prophasis config export|apply`, `GET /api/config/export`, `POST /api/config/apply`).
 */
export { createConfigAsCode, type ConfigAsCode } from './config-as-code.js';
export { configRoutes } from './routes/config.js';
export { CONFIG_USAGE, configCommand } from './cli/config.js';
export type { ConfigParts } from './types.js';
