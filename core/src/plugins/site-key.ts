import { generatePublisherKeys, loadPrivateKey, publicKeyFingerprint, type Logger, type PublisherKeyPair } from '@prophasis/protocol';
import { createPublicKey, randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fsyncSync, linkSync, mkdirSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PluginErrors } from './errors.js';

/** Folder under the core's data directory that holds the site key and the trusted publishers. */
const TRUST_DIR = 'trust';
/** The site's private publisher key (PKCS#8 PEM, mode 0600). */
const SITE_KEY_FILE = 'site-publisher.key';
/** Its public half (SPKI PEM), for operators who want other cores or agents to trust it. */
export const SITE_PUBLIC_KEY_FILE = 'site-publisher.pub';

/** `<dataDir>/trust`, created owner-only when missing. */
export function trustDirectory(dataDir: string): string {
  const dir = join(dataDir, TRUST_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * The site's own publisher key: loaded from `<dataDir>/trust/site-publisher.key`, or generated
 * there on first start. It signs the first-party plugins the core builds (first-party.ts) and
 * is always trusted (trust.ts). Like `prophasis-plugin sign`, loading refuses a key file that
 * group or others may read (`BUNDLE_KEY_PERMISSIONS`): whoever holds it ships code to agents.
 */
export function loadOrCreateSiteKey(dataDir: string, deps: { logger: Logger }): PublisherKeyPair & { path: string; created: boolean } {
  const dir = trustDirectory(dataDir);
  const path = join(dir, SITE_KEY_FILE);
  if (existsSync(path)) return load(path, false);
  let created = false;
  try {
    const keys = generatePublisherKeys();
    created = createExclusive(path, keys.privateKey.export({ format: 'pem', type: 'pkcs8' }), 0o600);
    if (created) {
      writeFileSync(join(dir, SITE_PUBLIC_KEY_FILE), keys.publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
      deps.logger.child({ component: 'plugins' }).info({ keyId: keys.keyId, path }, 'generated the site publisher key');
    }
  } catch (err) {
    throw PluginErrors.TRUST_STORE(`cannot create ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return load(path, created);
}

function load(path: string, created: boolean): PublisherKeyPair & { path: string; created: boolean } {
  const privateKey = loadPrivateKey(path);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: publicKeyFingerprint(publicKey), path, created };
}

/**
 * Writes `content` to `path` only if nothing is there, atomically: a temporary file is written
 * and synced, then hard-linked into place (link fails on an existing name), so a crash never
 * leaves a half-written key and two cores starting at once end up with the same key.
 */
function createExclusive(path: string, content: string | Buffer, mode: number): boolean {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), mode);
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}
