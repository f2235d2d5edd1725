import { defineErrors } from '@prophasis/protocol';

/**
 * The marketplace's catalogue of stable error codes (docs/marketplace.md). Every answer of the
 * registry API that is not a success is `{ code, message }` with one of these codes, or the
 * `BUNDLE_*` code of the protocol package when the bundle itself is refused. Codes never change
 * meaning once released.
 */
export const MarketErrors = defineErrors('MKT', {
  UNAUTHENTICATED: { status: 401, message: 'Missing or invalid API token' },
  INVALID_REQUEST: { status: 400, message: 'Invalid request' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  KEY_NOT_REGISTERED: { status: 403, message: 'The bundle is not signed by one of your registered keys' },
  PLUGIN_OWNED: { status: 403, message: 'This plugin id belongs to another publisher' },
  NOT_OWNER: { status: 403, message: 'This plugin belongs to another publisher' },
  VERSION_EXISTS: { status: 409, message: 'This version is already published with another bundle; publish a new version number' },
  VERSION_NOT_GREATER: { status: 409, message: 'The version must be greater than every published version' },
  VERSION_YANKED: { status: 410, message: 'This version was yanked; it is still available by its bundle hash' },
  KEY_EXISTS: { status: 409, message: 'This key is already registered' },
  BAD_KEY_SIGNATURE: { status: 400, message: 'The new key is not signed by one of your registered keys' },
  LAST_KEY: { status: 409, message: 'The last active key of a publisher cannot be revoked' },
  PUBLISHER_EXISTS: { status: 409, message: 'A publisher with this name exists' },
  BAD_PUBLISHER_NAME: { status: 400, message: 'Invalid publisher name' },
  LISTING_TOO_LARGE: { status: 413, message: 'This would break a limit of the registry API that cores enforce; nothing was stored' },
  BODY_TOO_LARGE: { status: 413, message: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the bundle as Content-Type: application/zip' },
  STORAGE: { status: 500, message: 'The bundle store cannot be read or written' },
  BUNDLE_MISSING: { status: 500, message: 'The bundle file is missing from the store' },
  INTERNAL: { status: 500, message: 'Internal error' },
});
