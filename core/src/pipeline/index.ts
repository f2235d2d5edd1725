/**
 * The result pipeline (docs/pipeline.md): what happens to a result — admission, batching,
 * classification requests, storage, current states and transitions, and the no_data sweep.
 */
export { createPipeline, type Pipeline } from './pipeline.js';
export { readPipelineConfig } from './config.js';
