export { startCore, type Core } from './main.js';
export { readCoreConfig, type CoreConfig } from './config.js';
export { createEventBus, type EventBus } from './http/events.js';
