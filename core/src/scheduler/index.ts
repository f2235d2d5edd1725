/**
 * The scheduler: turns checks, groups, schedules and plugin versions into one plan per host,
 * and the dispatcher that keeps every agent's plan current and answers "Run now"
 * (docs/pipeline.md, "Plans"). Pure building in plan.ts, database reading in load.ts.
 */
export { buildPlans, plannableVersions, planHash, canonicalJson, type PlanInput, type PlanBuild, type HostPlan, type PlannedEntry, type ExcludedPlugin } from './plan.js';
export { loadConfigRows, type ConfigRows, type HostInfo } from './load.js';
export { settingsRevisionStore, memoryRevisionStore, type RevisionStore, type PlanRevision } from './revisions.js';
export { databaseBundleSource, type BundleSource, type PublisherKey } from './bundle-source.js';
export { createDispatcher, type Dispatcher, type DispatcherConfig, type DispatcherDeps, type PipelineSnapshot, type RunRequest, type RecomputeReport, type CommandPublisher, type DeliverableVersion } from './dispatcher.js';
export { DispatchErrors } from './errors.js';
