import { defineErrors } from '@prophasis/protocol';

/** Stable error codes of several cores on one PostgreSQL (docs/high-availability.md). */
export const ClusterErrors = defineErrors('CORE_CLUSTER', {
  NEEDS_POSTGRES_AND_BROKER: { status: 500, message: 'PROPHASIS_CLUSTER needs PostgreSQL (PROPHASIS_DATABASE_URL) and an external broker (PROPHASIS_MQTT_URL)' },
  SCHEMA_NEWER: { status: 500, message: 'The database schema is newer than this core; upgrade this core' },
  OLDER_CORE_RUNNING: { status: 500, message: 'A core running an older schema is alive; stop it before starting this newer core (nothing was migrated)' },
  PARTITIONS_MISMATCH: { status: 500, message: 'PROPHASIS_CLUSTER_PARTITIONS differs from the partitions the cluster already has' },
  BAD_TIMINGS: { status: 500, message: 'The cluster lease must last at least twice the heartbeat plus the safety margin' },
});
