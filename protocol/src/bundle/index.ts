/**
 * Signed plugin bundles (docs/bundles.md): pack, sign, verify, inspect and
 * extract, shared by the core, the agent and the marketplace so that all three accept and
 * refuse exactly the same bundles.
 */
export { BundleErrors } from './errors.js';
export { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from './limits.js';
export { MANIFEST_FILE, checkBundlePath } from './paths.js';
export {
  generatePublisherKeys,
  loadPrivateKey,
  loadPublicKey,
  parsePublicKey,
  publicKeyFingerprint,
  trustKeys,
  writePublisherKeys,
  type PublisherKeyPair,
  type TrustedKeys,
} from './keys.js';
export {
  inspectBundle,
  packBundle,
  sha256Hex,
  signBundle,
  verifyBundle,
  type InspectedBundle,
  type VerifiedBundle,
} from './bundle.js';
export { extractVerified } from './extract.js';
