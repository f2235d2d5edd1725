import { BundleErrors } from './errors.js';

/** Names a bundle reserves for itself; they are never listed in `manifest.files`. */
export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';

const MAX_PATH_LENGTH = 255;
// The character set of the manifest's RelativePath: ASCII only, so no Unicode look-alikes,
// no normalisation differences between file systems and nothing a shell would interpret.
const PLAIN_SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * Checks one path inside a bundle and returns it unchanged, or throws the refusal that names
 * the defect: `..` segments (`BUNDLE_PATH_TRAVERSAL`), a leading `/` or a drive letter
 * (`BUNDLE_ABSOLUTE_PATH`), and anything else that is not `segment/segment` of
 * `[A-Za-z0-9._-]` (`BUNDLE_BAD_PATH`: backslashes, empty or `.` segments, control or
 * non-ASCII characters, more than 255 characters). The same rule holds for zip entries,
 * packed files and extracted files, so what one accepts the others accept too.
 */
export function checkBundlePath(path: string): string {
  const shown = JSON.stringify(path);
  // Both separators count here: a Windows agent would treat `..\x` as traversal.
  if (path.split(/[\\/]/).includes('..')) throw BundleErrors.PATH_TRAVERSAL(shown);
  if (/^[\\/]/.test(path) || /^[A-Za-z]:/.test(path)) throw BundleErrors.ABSOLUTE_PATH(shown);
  if (path.includes('\\')) throw BundleErrors.BAD_PATH(`${shown} contains a backslash`);
  if (path.length === 0 || path.length > MAX_PATH_LENGTH) throw BundleErrors.BAD_PATH(`${shown} must have 1 to ${MAX_PATH_LENGTH} characters`);
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') throw BundleErrors.BAD_PATH(`${shown} has an empty or "." segment`);
    if (!PLAIN_SEGMENT.test(segment)) throw BundleErrors.BAD_PATH(`${shown} may contain only A-Z a-z 0-9 . _ - and /`);
  }
  return path;
}
