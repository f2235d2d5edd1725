/**
 * @prophasis/protocol — the contracts every Prophasis package shares: topics, messages,
 * severities, the plugin manifest, schedule arithmetic, and the shared habits (errors,
 * logging, configuration, data directory). Imports no other Prophasis package.
 */
export * from './severity.js';
export * from './presence.js';
export * from './errors.js';
export * from './topics.js';
export * from './schema-common.js';
export * from './messages.js';
export * from './manifest.js';
export * from './schedule.js';
export * from './result-id.js';
export * from './fleet-token.js';
export * from './enrol-identity.js';
export * from './semver.js';
export * from './logger.js';
export * from './config.js';
export * from './data-dir.js';
export * from './node-version.js';
export * from './plugin-sdk.js';
export * from './api.js';
export * from './api-plugin-repository.js';
export * from './api-marketplace.js';
export * from './api-agent-upgrades.js';
export * from './agent-package.js';
export * from './bundle/index.js';
export * from './plugin-testing.js';
