import { defineErrors } from '@prophasis/protocol';

/**
 * Stable error codes of the core's marketplace side (docs/marketplace.md): browsing registries
 * and installing from them. A refused bundle keeps its `BUNDLE_*` code, a repository rule its
 * `CORE_PLUGIN_*` code.
 */
export const MarketplaceErrors = defineErrors('CORE_MARKET', {
  REGISTRY_NOT_FOUND: { status: 404, message: 'No registry with this name is configured' },
  INVALID_REGISTRIES: { status: 400, message: 'Invalid registry list' },
  REGISTRY_UNREACHABLE: { status: 502, message: 'The registry cannot be reached' },
  REGISTRY_ERROR: { status: 502, message: 'The registry answered with an error' },
  LISTING_INVALID: { status: 502, message: 'A plugin the registry lists is not in the expected shape; it is left out, the others are shown' },
  PLUGIN_NOT_FOUND: { status: 404, message: 'The registry has no such plugin' },
  VERSION_NOT_OFFERED: { status: 404, message: 'The registry does not offer this version' },
  HASH_MISMATCH: { status: 502, message: 'The downloaded bundle does not have the hash the registry lists; it was altered and is refused' },
  BUNDLE_MISMATCH: { status: 502, message: 'The downloaded bundle is not the plugin version that was asked for' },
  KEY_NOT_PUBLISHED: { status: 502, message: 'The registry does not list the key that signed this bundle' },
  PUBLISHER_NOT_TRUSTED: { status: 409, message: 'The publisher key is not trusted; check its fingerprint and repeat with trustPublisher: true' },
  TRUST_KEY_MISMATCH: { status: 400, message: 'publisherKeyId must be the fingerprint of the key that signed the bundle' },
  INVALID_ROLLOUT: { status: 400, message: 'Invalid rollout' },
  ROLLOUT_NOT_FOUND: { status: 404, message: 'This plugin has no staged rollout' },
  LOCAL_MARKETPLACE: { status: 500, message: 'The local marketplace cannot be started' },
});
