// Test support, exported only through `@prophasis/protocol/testing` (src/testing.ts): plugins
// written to disk and packed and signed by the real code, so a test's bundle is exactly what
// `prophasis-plugin pack` and `sign` would make of the same folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packBundle, signBundle } from './bundle.js';
import type { PublisherKeyPair } from './keys.js';

/**
 * Writes a plugin source folder: `manifest.json` (pretty-printed) and each of `files` by its
 * relative path, sub-folders created. Returns `dir`.
 */
export function writePluginFolder(dir: string, manifest: Record<string, unknown>, files: Record<string, string | Buffer>): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), data);
  }
  return dir;
}

/**
 * Packs `manifest` and `files` (a pack-ready folder: built JavaScript, not TypeScript) in a
 * temporary folder with {@link packBundle}, which fills in the manifest's `files` hashes, and
 * signs the bundle with `key`'s private half.
 */
export function signedTestBundle(key: PublisherKeyPair, manifest: Record<string, unknown>, files: Record<string, string | Buffer>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'prophasis-test-plugin-'));
  try {
    writePluginFolder(dir, manifest, files);
    return signBundle(packBundle(dir), key.privateKey);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
