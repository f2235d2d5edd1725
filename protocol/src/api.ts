/**
 * Shapes of the core's REST API (docs/api.md), shared by the core (request validation and
 * the OpenAPI document) and the web console (types). TypeBox schemas are JSON Schema, so the
 * same object validates requests, documents them and types them. Field names are camelCase;
 * times are epoch milliseconds (UTC) like everywhere else in the protocol.
 */
export * from './api/common.js';
export * from './api/users.js';
export * from './api/hosts.js';
export * from './api/devices.js';
export * from './api/fleet.js';
export * from './api/plugins.js';
export * from './api/checks.js';
export * from './api/services.js';
export * from './api/alerts.js';
export * from './api/templates.js';
export * from './api/problems.js';
export * from './api/settings.js';
export * from './api/housekeeping.js';
export * from './api/reports.js';
export * from './api/sparklines.js';
export * from './api/events.js';
export * from './api/classifiers.js';
export * from './api/config.js';
