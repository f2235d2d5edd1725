export { readClusterConfig, type ClusterConfig } from './config.js';
export { ClusterErrors } from './errors.js';
export { createLeaseManager, type LeaseManager, type LossReason } from './leases.js';
export { createEventBridge, type EventBridge } from './notify.js';
export { partitionOf } from './partition.js';
export { checkSchemaForCluster } from './schema.js';
export { createCluster, type Cluster } from './cluster.js';
