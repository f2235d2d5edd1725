/**
 * The result pipeline (docs/pipeline.md): what happens to a result — admission, batching,
 * classification requests, storage, current states and transitions, and the no_data sweep.
 */
export { createPipeline, type Pipeline, type PipelineDeps } from './pipeline.js';
export { readPipelineConfig, PIPELINE_DEFAULTS, PipelineConfigSchema, type PipelineConfig } from './config.js';
export { createIngest, type Ingest, type IngestDeps, type ResultSink, type Classifier, type PlanView, type NoDataSlot } from './ingest.js';
export { sequelizePipelineStore, noDataResultId, NO_DATA_PREFIX, type PipelineStore, type StateRow, type TransitionRow, type WindowItem } from './store.js';
export { createRecentIds, type RecentIds } from './recent-ids.js';
export { createStateTracker, UNREACHABLE_SEVERITY, type StateTracker, type Observation } from './states.js';
export { createNoDataSweep, type NoDataSweep, type NoDataPlans } from './no-data.js';
