/**
 * The state model (docs/pipeline.md, "States and transitions"): one rule for a host's severity
 * and one read of every host's presence, plugin states and severity, which every report, page
 * and service computation uses.
 */
export { hostSeverity, UNREACHABLE_SEVERITY, type HostState, type PluginStateRow } from './model.js';
export { loadHostStates, loadLatestResults, type LatestResult } from './store.js';
export { reachabilityOf, transitionReachability, type Reachability, type ReachabilityColumns } from './reachability.js';
