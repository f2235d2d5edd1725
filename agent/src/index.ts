/**
 * @prophasis/agent — runs on each monitored host: enrolment, the MQTT/TLS connection to the
 * core, presence and command handling, the durable outbox, bundles, the plan runner and the
 * simulator (docs/agent.md, docs/outbox.md, docs/simulator.md). The CLI is `src/cli.ts`.
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
export * from './clock.js';
export * from './reporter.js';
export * from './outbox/index.js';
export * from './bundles/index.js';
export * from './plan/index.js';
export * from './simulator/index.js';
export * from './store/database.js';
