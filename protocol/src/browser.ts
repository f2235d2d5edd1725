/**
 * The browser-safe part of the protocol: no Node.js modules anywhere below this file. The web
 * console imports only this entry (`@prophasis/protocol/browser`); `index.ts` also exports the
 * Node-only helpers (logger, data directory, bundles).
 */
export * from './severity.js';
export * from './presence.js';
export * from './schema-common.js';
export * from './schedule.js';
export * from './semver.js';
export * from './api.js';
export * from './api-plugin-repository.js';
export * from './api-marketplace.js';
export * from './api-agent-upgrades.js';
