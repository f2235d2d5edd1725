/**
 * The scheduler: turns checks, groups, schedules and plugin versions into one plan per host,
 * and the dispatcher that keeps every agent's plan current and answers "Run now"
 * (docs/pipeline.md, "Plans"). Pure building in plan.ts, database reading in load.ts.
 */
export type { HostPlan, PlannedEntry } from './plan.js';
export { loadConfigRows, type HostInfo } from './load.js';
export { settingsRevisionStore, type RevisionStore } from './revisions.js';
export { databaseBundleSource, type BundleSource } from './bundle-source.js';
export { createDispatcher, type Dispatcher, type CommandPublisher } from './dispatcher.js';
