import { defineErrors } from '@prophasis/protocol';

/** The broker's error catalogue; codes are stable once released. */
export const BrokerErrors = defineErrors('BROKER', {
  PKI_INVALID: { status: 500, message: 'The PKI directory holds an unusable certificate or key' },
  CREDENTIALS_FILE_INVALID: { status: 500, message: 'The credentials file is not valid' },
  NOT_STARTED: { status: 503, message: 'The broker is not running' },
  ALREADY_STARTED: { status: 409, message: 'The broker is already running' },
  PUBLISH_FAILED: { status: 500, message: 'Publishing failed' },
  SUBSCRIBE_FAILED: { status: 500, message: 'Subscribing failed' },
  INVALID_FILTER: { status: 400, message: 'Invalid topic filter' },
  TLS_SETTINGS_INVALID: { status: 500, message: 'The TLS settings are not usable' },
});
