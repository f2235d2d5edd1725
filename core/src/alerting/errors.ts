import { defineErrors } from '@prophasis/protocol';

/** Alerting's catalogue (docs/alerts.md); codes never change meaning. */
export const AlertErrors = defineErrors('CORE_ALERT', {
  INVALID_SETTINGS: { status: 400, message: 'Invalid alert module settings' },
  UNKNOWN_MODULE: { status: 400, message: 'Unknown alert module' },
  NOT_FOUND: { status: 404, message: 'Alert not found' },
  NOT_CONFIGURED: { status: 400, message: 'Alert module not configured' },
  DELIVERY_FAILED: { status: 502, message: 'Alert delivery failed' },
  INVALID_WINDOW: { status: 400, message: 'Invalid silence or maintenance window' },
  WINDOW_OVERLAP: { status: 400, message: 'The window overlaps another with the same scopes' },
  NO_PROBLEM: { status: 400, message: 'There is no problem to acknowledge' },
  SILENCE_NOT_FOUND: { status: 404, message: 'Silence not found' },
  ACKNOWLEDGEMENT_NOT_FOUND: { status: 404, message: 'Acknowledgement not found' },
  INVALID_TEMPLATE: { status: 400, message: 'The notification template does not render' },
});
