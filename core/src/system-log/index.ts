export { createSystemLog, SYSTEM_LOG_DEFAULTS, type PersistentSystemLog, type SystemLogConfig } from './system-log.js';
