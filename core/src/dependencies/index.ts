/** Parent/child dependencies between hosts (docs/devices.md, "Dependencies"). */
export { causes, checkParents, ancestors, children } from './graph.js';
export { loadDependencies, setParents, REACHABILITY_PLUGIN, type HostRef } from './store.js';
export { dependencyRoutes } from './routes/dependencies.js';
