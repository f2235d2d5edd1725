/**
 * The scheduler: turns checks, groups, schedules and plugin versions into one plan per host
 * (docs/pipeline.md, "Plans"). Pure building in plan.ts, database reading in load.ts.
 */
export { buildPlans, newestApproved, plannableVersions, planHash, canonicalJson, type PlanInput, type PlanBuild, type HostPlan, type PlannedEntry, type PluginVersionRow, type ExcludedPlugin } from './plan.js';
export { loadConfigRows, type ConfigRows, type HostInfo } from './load.js';
export { settingsRevisionStore, memoryRevisionStore, type RevisionStore, type PlanRevision } from './revisions.js';
export { databaseBundleSource, type BundleSource, type PublisherKey } from './bundle-source.js';
