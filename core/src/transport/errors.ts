import { defineErrors } from '@prophasis/protocol';

/** Stable error codes of the core's MQTT transport. */
export const TransportErrors = defineErrors('CORE_TRANSPORT', {
  NOT_STARTED: { status: 503, message: 'The MQTT transport is not running' },
  NOT_A_COMMAND: { status: 400, message: 'Only cmd messages can be published to an agent' },
  BAD_URL: { status: 500, message: 'Invalid PROPHASIS_MQTT_URL' },
  CONNECT_FAILED: { status: 503, message: 'Cannot connect to the external MQTT broker' },
  NOT_CLUSTERED: { status: 500, message: 'Lease sessions need several cores on an external broker (PROPHASIS_CLUSTER with PROPHASIS_MQTT_URL)' },
});
