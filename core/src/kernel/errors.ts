import { defineErrors } from '@prophasis/protocol';

/**
 * The REST API's catalogue of stable error codes. Every error a client sees has one of these
 * codes (or another catalogue's `ProphasisError` code) and the body `{ code, message, details }`;
 * docs/api.md lists them. Codes never change meaning once released. Features raise them from
 * their routes; the server shell (http/) maps every error onto one of them.
 */
export const ApiErrors = defineErrors('CORE_API', {
  UNAUTHENTICATED: { status: 401, message: 'Not signed in' },
  FORBIDDEN: { status: 403, message: 'Your role does not allow this' },
  CROSS_ORIGIN: { status: 403, message: 'Refused: this change came from another site' },
  BAD_CREDENTIALS: { status: 401, message: 'Wrong user name or password' },
  TOO_MANY_ATTEMPTS: { status: 429, message: 'Too many sign-in attempts, try again later' },
  SETUP_DONE: { status: 409, message: 'Setup is already complete' },
  SETUP_TOKEN_INVALID: { status: 403, message: 'The setup link is invalid, used or expired' },
  WEAK_PASSWORD: { status: 400, message: 'Password too weak' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  NAME_TAKEN: { status: 409, message: 'Name already in use' },
  IN_USE: { status: 409, message: 'Still referenced' },
  REFERENCE_NOT_FOUND: { status: 400, message: 'Referenced object does not exist' },
  LAST_ADMIN: { status: 409, message: 'The last administrator cannot be removed or demoted' },
  JSON_REQUIRED: { status: 415, message: 'Requests that change something must have Content-Type: application/json' },
  BAD_REQUEST: { status: 400, message: 'Bad request' },
  BODY_TOO_LARGE: { status: 413, message: 'Request body too large' },
  NOT_ENROLLED: { status: 409, message: 'The host has no enrolled agent' },
  UNAVAILABLE: { status: 503, message: 'Not available' },
  INTERNAL: { status: 500, message: 'Internal error' },
});

/**
 * Codes other parts of the core (API, console) name without an infix: schema validation
 * failures, shared by every route (`details` names the offending field), and configuration
 * graph errors raised where the graph is written (inventory).
 */
export const CoreErrors = defineErrors('CORE', {
  VALIDATION: { status: 400, message: 'Invalid request' },
  /** Adding a group to a group would make a group contain itself; the message names the path. */
  GROUP_CYCLE: { status: 409, message: 'Host group cycle refused' },
});
