export { createSystemLog, SYSTEM_LOG_DEFAULTS, type PersistentSystemLog } from './system-log.js';
