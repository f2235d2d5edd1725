import { defineErrors } from '@prophasis/protocol';

/** Stable error codes of broker provisioning and the broker authentication hook (docs/external-broker.md). */
export const BrokerAuthErrors = defineErrors('CORE_BROKER_AUTH', {
  PROVISIONING_REFUSED: { status: 502, message: 'The broker refused provisioning' },
  PROVISIONING_TIMEOUT: { status: 504, message: 'The broker did not answer the provisioning command' },
  NOT_STARTED: { status: 503, message: 'Broker provisioning is not connected' },
  BAD_CONFIG: { status: 500, message: 'Invalid broker authentication setting' },
});
