import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MarketErrors } from '../errors.js';

/** Bundles on disk, content-addressed: `<dir>/<sha256>.zip`. */
export interface BundleStore {
  /** Writes the bytes under their hash (temporary file + rename, so a reader never sees half a file). */
  put(sha256: string, zip: Buffer): void;
  /** The bytes as stored, not re-checked: the core verifies every download itself (docs/marketplace.md). */
  get(sha256: string): Buffer;
  has(sha256: string): boolean;
}

const HASH = /^[a-f0-9]{64}$/;

/** A {@link BundleStore} in `dir` (created owner-only). */
export function createBundleStore(dir: string): BundleStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (sha256: string) => {
    // The hash is the file name: anything else could name a path outside the folder.
    if (!HASH.test(sha256)) throw MarketErrors.NOT_FOUND(`bundle ${sha256}`);
    return join(dir, `${sha256}.zip`);
  };
  return {
    put(sha256, zip) {
      const target = path(sha256);
      const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        writeFileSync(tmp, zip, { mode: 0o644, flag: 'wx' });
        renameSync(tmp, target);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw MarketErrors.STORAGE(`${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    },
    get(sha256) {
      try {
        return readFileSync(path(sha256));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw MarketErrors.BUNDLE_MISSING(sha256);
        throw err;
      }
    },
    has(sha256) {
      try {
        return statSync(path(sha256)).isFile();
      } catch {
        return false;
      }
    },
  };
}
