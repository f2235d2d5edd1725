import { defineErrors } from '@prophasis/protocol';

/**
 * Stable error codes of the plugin repository (docs/plugin-repository.md). A refused bundle
 * keeps its own `BUNDLE_*` code from the protocol package; these are the repository's rules on
 * top of a bundle that opened fine.
 */
export const PluginErrors = defineErrors('CORE_PLUGIN', {
  BAD_UPLOAD: { status: 400, message: 'The upload is not a base64-encoded bundle' },
  NOT_FOUND: { status: 404, message: 'Plugin or version not found' },
  VERSION_EXISTS: { status: 409, message: 'This version exists with a different bundle; publish a new version number' },
  APPROVAL_MISMATCH: { status: 400, message: 'An approval must name exactly the capabilities the version requests' },
  PUBLISHER_NOT_TRUSTED: { status: 409, message: 'The key that signed this version is no longer trusted' },
  BAD_PUBLISHER_NAME: { status: 400, message: 'Invalid publisher name' },
  PUBLISHER_EXISTS: { status: 409, message: 'This publisher key is already trusted' },
  PUBLISHER_NOT_FOUND: { status: 404, message: 'No trusted publisher key with this id' },
  SITE_KEY_PROTECTED: { status: 409, message: "The site's own publisher key cannot be removed" },
  TRUST_STORE: { status: 500, message: 'The trusted publisher list cannot be read or written' },
  FIRST_PARTY_BUILD: { status: 500, message: 'A first-party plugin cannot be built' },
});
