export { startCore, type Core } from './main.js';
export { readCoreConfig, type CoreConfig } from './config.js';
