/**
 * The state model (docs/pipeline.md, "States and transitions"): one rule for a host's severity
 * and one read of every host's presence, plugin states and severity, which every report, page
 * and service computation uses.
 */
export { hostSeverity } from './model.js';
export { loadHostStates, loadLatestResults } from './store.js';
export { transitionReachability, type Reachability } from './reachability.js';
