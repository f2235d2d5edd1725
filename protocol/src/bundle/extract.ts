import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isProphasisError } from '../errors.js';
import { BundleErrors } from './errors.js';
import { checkBundlePath } from './paths.js';

const DIRECTORY_MODE = 0o755;
const FILE_MODE = 0o644;

/**
 * Writes the files of a verified bundle (`VerifiedBundle.files`, plus `manifest.json` if the
 * caller wants it on disk) into `destDir`, which must not exist yet or be an empty real
 * directory (for example one from `mkdtemp`). Installing atomically, by extracting into a
 * fresh folder and renaming it, is the caller's part.
 *
 * Nothing is ever written through a symbolic link: every path is checked again, every folder
 * is created by this function or must be a real directory, the resolved parent must be where
 * the path says, and files are opened with `O_CREAT | O_EXCL | O_NOFOLLOW`. On failure a
 * `destDir` this function created is removed again. Throws `BUNDLE_*` errors.
 */
export async function extractVerified(files: ReadonlyMap<string, Buffer>, destDir: string): Promise<void> {
  const created = await prepareTarget(destDir);
  try {
    const base = await realpath(destDir);
    for (const path of [...files.keys()].sort()) {
      checkBundlePath(path);
      const segments = path.split('/');
      const leaf = segments.pop()!;
      let parent = base;
      for (const segment of segments) {
        parent = join(parent, segment);
        await ensureRealDirectory(parent);
      }
      // Catches a folder swapped for a link between our check and our use.
      if ((await realpath(parent)) !== parent) throw BundleErrors.EXTRACT_TARGET(`${parent} resolves elsewhere`);
      await writeNewFile(join(parent, leaf), files.get(path)!);
    }
  } catch (err) {
    if (created) await rm(destDir, { recursive: true, force: true });
    if (isProphasisError(err)) throw err;
    throw BundleErrors.EXTRACT_TARGET((err as Error).message);
  }
}

/** Creates `destDir`, or accepts an existing empty real directory. Returns whether it created it. */
async function prepareTarget(destDir: string): Promise<boolean> {
  try {
    await mkdir(destDir, { mode: DIRECTORY_MODE });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw BundleErrors.EXTRACT_TARGET(`${destDir}: ${(err as Error).message}`);
  }
  const stat = await lstat(destDir);
  if (!stat.isDirectory()) throw BundleErrors.EXTRACT_TARGET(`${destDir} exists and is not a directory`);
  if ((await readdir(destDir)).length > 0) throw BundleErrors.EXTRACT_TARGET(`${destDir} is not empty`);
  return false;
}

async function ensureRealDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { mode: DIRECTORY_MODE });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const stat = await lstat(path);
    if (!stat.isDirectory()) throw BundleErrors.EXTRACT_TARGET(`${path} exists and is not a directory`);
  }
}

async function writeNewFile(path: string, data: Buffer): Promise<void> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), FILE_MODE);
  } catch (err) {
    throw BundleErrors.EXTRACT_TARGET(`cannot create ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}
