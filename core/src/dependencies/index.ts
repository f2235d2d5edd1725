/** Parent/child dependencies between hosts (docs/devices.md, "Dependencies"). */
export { causes, checkParents, ancestors, children, type ParentMap, type ParentsRefusal } from './graph.js';
export { hostDependencies, loadDependencies, loadDownHosts, loadParents, parentIdsOf, setParents, REACHABILITY_PLUGIN, type DependencySnapshot, type HostDependencies, type HostRef } from './store.js';
export { dependencyRoutes } from './routes.js';
