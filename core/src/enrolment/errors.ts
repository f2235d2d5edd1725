import { defineErrors } from '@prophasis/protocol';

/** Stable error codes of agent enrolment (docs/enrolment.md). */
export const EnrolmentErrors = defineErrors('CORE_ENROL', {
  INVALID_HOST_NAME: { status: 400, message: 'Invalid host name' },
  HOST_ENROLLED: { status: 409, message: 'The host already has an enrolled agent; revoke it first' },
  HOST_NOT_FOUND: { status: 404, message: 'Host not found' },
  INVALID_TTL: { status: 400, message: 'Invalid token lifetime' },
  PEPPER_INVALID: { status: 500, message: 'The secret pepper file is unusable' },
  INVALID_PATTERN: { status: 400, message: 'Invalid host name pattern' },
  FLEET_TOKEN_NOT_FOUND: { status: 404, message: 'Fleet token not found' },
  RULE_NOT_FOUND: { status: 404, message: 'Registration rule not found' },
  RULE_ORDER: { status: 400, message: 'The order must name every registration rule exactly once' },
  NO_DATABASE_MODELS: { status: 500, message: 'The database has no hosts/enrolment_tokens models' },
});
