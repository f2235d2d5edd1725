import { initial } from './0001-initial.js';
import { rollupFillfactor } from './0002-rollup-fillfactor.js';
import { alertDeliveries } from './0003-alert-deliveries.js';
import { alertCursor } from './0004-alert-cursor.js';
import { partitionHistory } from './0005-partition-history.js';
import { problems } from './0006-problems.js';
import { notifications } from './0007-notifications.js';
import { alertTemplates } from './0008-alert-templates.js';
import { flapThresholds } from './0009-flap-thresholds.js';
import { fleetTokens } from './0010-fleet-tokens.js';
import { agentUpgrades } from './0011-agent-upgrades.js';
import { apiTokens } from './0012-api-tokens.js';
import { hostDependencies } from './0014-host-dependencies.js';
import { devices } from './0013-devices.js';
import { clusterLeases } from './0015-cluster-leases.js';
import type { Migration } from './types.js';

export type { Migration } from './types.js';
export { ROLLUP_FILLFACTOR } from './0002-rollup-fillfactor.js';

/**
 * Every migration, in the order it runs. Listed explicitly rather than globbed so the order is
 * reviewed in one place and nothing depends on how files are found at run time. Append only:
 * a released migration never changes.
 */
export const MIGRATIONS: readonly Migration[] = [initial, rollupFillfactor, alertDeliveries, alertCursor, partitionHistory, problems, notifications, alertTemplates, flapThresholds, fleetTokens, agentUpgrades, apiTokens, devices, hostDependencies, clusterLeases];
