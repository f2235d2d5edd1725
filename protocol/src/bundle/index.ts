/**
 * Signed plugin bundles (DESIGN.md §5, docs/bundles.md): pack, sign, verify, inspect and
 * extract, shared by the core, the agent and the marketplace so that all three accept and
 * refuse exactly the same bundles.
 */
export { BundleErrors } from './errors.js';
export { DEFAULT_BUNDLE_LIMITS, bundleLimits, type BundleLimits } from './limits.js';
export { MANIFEST_FILE, SIGNATURE_FILE, checkBundlePath } from './paths.js';
export {
  PRIVATE_KEY_FILE,
  PUBLIC_KEY_FILE,
  generatePublisherKeys,
  loadPrivateKey,
  loadPublicKey,
  parsePrivateKey,
  parsePublicKey,
  publicKeyFingerprint,
  rawPublicKey,
  trustKeys,
  writePublisherKeys,
  type PublisherKeyPair,
  type TrustedKeys,
} from './keys.js';
export {
  inspectBundle,
  packBundle,
  parseSignature,
  sha256Hex,
  signBundle,
  verifyBundle,
  type BundleSignature,
  type InspectedBundle,
  type VerifiedBundle,
  type VerifyOptions,
} from './bundle.js';
export { extractVerified } from './extract.js';
