export { startCore, type Core } from './main.js';
export { readCoreConfig, type CoreConfig } from './kernel/config.js';
export { createEventBus, type EventBus } from './kernel/index.js';
