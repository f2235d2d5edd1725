/**
 * The ingest: results from agents into the database, classified, with current states
 * (docs/pipeline.md, "Ingest").
 */
export { createIngest, type Ingest, type IngestDeps, type ResultSink, type Classifier, type PlanView, type NoDataSlot } from './ingest.js';
export { readPipelineConfig, PIPELINE_DEFAULTS, PipelineConfigSchema, type PipelineConfig } from './config.js';
export { sequelizePipelineStore, noDataResultId, NO_DATA_PREFIX, type PipelineStore, type StateRow, type TransitionRow, type WindowItem } from './store.js';
export { createRecentIds, type RecentIds } from './recent-ids.js';
export { createPipeline, type Pipeline, type PipelineDeps } from './pipeline.js';
