/**
 * The dispatcher: keeps agents' plans current and answers "Run now" (docs/pipeline.md, "Dispatch").
 */
export { createDispatcher, type Dispatcher, type DispatcherDeps, type PipelineSnapshot, type RunRequest, type RecomputeReport, type CommandPublisher, type DeliverableVersion } from './dispatcher.js';
export { DispatchErrors } from './errors.js';
