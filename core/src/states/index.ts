/**
 * Current states, transitions, classifier override resolution and the no_data sweep
 * (docs/pipeline.md, "Classification", "States and transitions", "no_data").
 */
export { resolveClassifier, NO_OVERRIDES, type ClassifierOverrides, type ClassifierContext, type ClassifierSource, type ResolvedClassifier } from '../classification/overrides.js';
export { createStateTracker, UNREACHABLE_SEVERITY, type StateTracker, type Observation } from './states.js';
export { createNoDataSweep, type NoDataSweep, type NoDataPlans } from './no-data.js';
