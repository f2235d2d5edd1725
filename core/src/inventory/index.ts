/**
 * The inventory: hosts, host groups (nested), checks and schedules — reading and writing them,
 * and the one expansion of nested groups every subsystem uses (docs/architecture.md).
 */
export { addGroupToGroup, expandGroups, loadGroupHosts, loadGroupRows } from './groups.js';
export { presentHost } from './routes/hosts.js';
export { effectiveCollectors, loadEffectiveCollectors, loadGroupCollectors, type GroupCollectorRow } from './devices.js';
