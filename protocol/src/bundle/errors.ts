import { defineErrors } from '../errors.js';

/**
 * Every reason a plugin bundle is refused, with a stable code (`BUNDLE_*`). The core, the agent
 * and the marketplace log and report these codes; `docs/bundles.md` lists them all. The status
 * is what the REST API answers when an uploaded bundle is refused.
 */
export const BundleErrors = defineErrors('BUNDLE', {
  // The container
  NOT_A_ZIP: { status: 400, message: 'Not a zip file' },
  CORRUPT: { status: 400, message: 'Corrupt zip file' },
  UNSUPPORTED_ZIP: { status: 400, message: 'Unsupported zip feature' },
  TOO_LARGE: { status: 413, message: 'Bundle too large' },
  TOO_LARGE_UNPACKED: { status: 413, message: 'Bundle too large when unpacked' },
  TOO_MANY_ENTRIES: { status: 413, message: 'Too many entries in bundle' },
  SIZE_MISMATCH: { status: 400, message: 'Entry size differs from its header' },
  // Entry names and types
  PATH_TRAVERSAL: { status: 400, message: 'Entry path leaves the bundle' },
  ABSOLUTE_PATH: { status: 400, message: 'Entry path is absolute' },
  BAD_PATH: { status: 400, message: 'Entry path is not a plain relative path' },
  DUPLICATE_ENTRY: { status: 400, message: 'Duplicate entry' },
  SYMLINK: { status: 400, message: 'Symbolic links are not allowed' },
  BAD_ENTRY_TYPE: { status: 400, message: 'Entry is neither a regular file nor a plain directory' },
  // The manifest and the files it lists
  MISSING_MANIFEST: { status: 400, message: 'Bundle has no manifest.json' },
  INVALID_MANIFEST: { status: 400, message: 'Manifest does not match its schema' },
  HASH_MISMATCH: { status: 400, message: 'File hash differs from the manifest' },
  UNLISTED_FILE: { status: 400, message: 'File is not listed in the manifest' },
  MISSING_FILE: { status: 400, message: 'File listed in the manifest is missing' },
  // The signature
  MISSING_SIGNATURE: { status: 400, message: 'Bundle has no manifest.sig' },
  MALFORMED_SIGNATURE: { status: 400, message: 'Malformed manifest.sig' },
  UNKNOWN_PUBLISHER: { status: 403, message: 'Bundle is signed by an unknown publisher key' },
  BAD_SIGNATURE: { status: 400, message: 'Signature does not match the manifest' },
  // Keys, packing and extracting (local problems of the one who packs, signs or installs)
  BAD_KEY: { status: 400, message: 'Not an Ed25519 key' },
  KEY_PERMISSIONS: { status: 500, message: 'Private key file is readable by others' },
  KEY_EXISTS: { status: 409, message: 'Key file already exists' },
  KEY_WRITE: { status: 500, message: 'Cannot write key file' },
  PACK_SOURCE: { status: 400, message: 'Cannot pack plugin folder' },
  EXTRACT_TARGET: { status: 500, message: 'Cannot extract bundle' },
});
