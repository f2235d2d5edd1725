import { defineErrors } from '@prophasis/protocol';

/**
 * The agent's error catalogue. Codes are stable: operators and docs refer to them
 * (docs/agent.md lists what each one means and what to do).
 */
export const AgentErrors = defineErrors('AGENT', {
  USAGE: { status: 400, message: 'Invalid command line' },
  INVALID_SERVER: { status: 400, message: 'Invalid server address, expected HOST:PORT' },
  INVALID_FINGERPRINT: { status: 400, message: 'Invalid CA fingerprint, expected 64 hex digits (SHA-256)' },
  CA_FINGERPRINT_MISMATCH: { status: 403, message: 'The server presented a CA whose fingerprint does not match --ca-fingerprint; nothing was sent' },
  TLS_PROBE_FAILED: { status: 502, message: 'Could not complete a TLS handshake with the server' },
  ENROL_CONNECT_FAILED: { status: 502, message: 'Could not connect to the server for enrolment' },
  ENROL_REFUSED: { status: 403, message: 'The server refused the enrolment' },
  ENROL_TIMEOUT: { status: 504, message: 'No enrolment response from the server in time' },
  ENROL_INVALID_RESPONSE: { status: 502, message: 'The server sent an unusable enrolment response' },
  ALREADY_ENROLLED: { status: 409, message: 'This agent is already enrolled; pass --force to replace its credentials' },
  CREDENTIALS_MISSING: { status: 404, message: 'No credentials: enrol this agent first with `prophasis-agent enroll`' },
  CREDENTIALS_PERMISSIONS: { status: 403, message: 'Credentials are readable by others; refusing to use them' },
  CREDENTIALS_INVALID: { status: 500, message: 'The credentials file is damaged' },
  NOT_CONNECTED: { status: 503, message: 'The agent is not running' },
  PUBLISH_REFUSED: { status: 400, message: 'Message may not be published on this channel' },
  UPGRADE_HASH_MISMATCH: { status: 400, message: 'The agent package does not have the SHA-256 it was offered with; nothing was changed' },
  UPGRADE_PACKAGE_INVALID: { status: 400, message: 'The file is not a complete agent package; nothing was changed' },
  UPGRADE_WRONG_PLATFORM: { status: 400, message: 'The agent package is built for another platform; nothing was changed' },
  UPGRADE_VERSION_CONFLICT: { status: 409, message: 'This version is installed already from a different package; nothing was changed' },
  UPGRADE_LAYOUT: { status: 409, message: 'No versioned agent installation here (ROOT/current must link to ROOT/versions/VERSION)' },
  UPGRADE_IN_PROGRESS: { status: 409, message: 'Another upgrade of this installation is running; nothing was changed' },
  UPGRADE_RESTART_FAILED: { status: 502, message: 'The agent could not be restarted; current points at the previous version again' },
  UPGRADE_ROLLED_BACK: { status: 502, message: 'The new agent version did not connect in time; rolled back to the previous one' },
  UPGRADE_BAD_SIGNATURE: { status: 403, message: "The agent package's signature by the site key does not verify; nothing was changed" },
  UPGRADE_UNTRUSTED_KEY: { status: 403, message: 'The agent package is signed by a key this host does not trust; nothing was changed' },
  UPGRADE_DOWNLOAD_FAILED: { status: 502, message: 'The agent package could not be downloaded whole; nothing was changed' },
  UPGRADE_REQUEST_INVALID: { status: 400, message: 'The upgrade request file is not usable; nothing was changed' },
});
