/**
 * The core's kernel: what every subsystem may import. It imports nothing else of the core
 * (scripts/core-graph.mjs refuses it): the system-log interface, the typed event bus, the
 * catalogues of errors every feature raises, roles, and the clock.
 */
export { type SystemLog, type SystemLogLevel, loggerSystemLog, memorySystemLog } from './system-log.js';
export {
  createEventBus,
  type EventBus,
  type EventPublisher,
  type CoreEvent,
  type Transition,
  type StoredResult,
  type PresenceChange,
} from './events.js';
export { ApiErrors, CoreErrors } from './errors.js';
export { ROLES, roleAllows, isRole, type Role, type Access } from './roles.js';
export { systemClock, type Clock } from './clock.js';
export { readCoreConfig, sqlitePath, type CoreConfig } from './config.js';
export { readRuntimeFacts, writeRuntimeFacts, removeRuntimeFacts, describeDatabase, withoutCredentials, RuntimeErrors, type RuntimeFacts } from './runtime.js';
export { createSecretBox, type SecretBox } from './secret-box.js';
