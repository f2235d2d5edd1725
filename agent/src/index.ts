/**
 * @prophasis/agent — runs on each monitored host: enrolment, the MQTT/TLS connection to the
 * core, presence and command handling (docs/agent.md). The CLI is `src/cli.ts`.
 */
export * from './agent.js';
export * from './backoff.js';
export * from './commands/index.js';
export * from './config.js';
export * from './connection.js';
export * from './credentials.js';
export * from './enrol.js';
export * from './errors.js';
export * from './facts.js';
export * from './tls.js';
