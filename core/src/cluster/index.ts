export { readClusterConfig, type ClusterConfig } from './config.js';
export { ClusterErrors } from './errors.js';
export { createLeaseManager, type LeaseManager, type LeaseHandlers, type LossReason } from './leases.js';
export { createEventBridge, type EventBridge } from './notify.js';
export { partitionOf, partitionLease, dutyLease } from './partition.js';
export { checkSchemaForCluster } from './schema.js';
export { createCluster, DUTIES, type Cluster, type Duty } from './cluster.js';
