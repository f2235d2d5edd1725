import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The file in the core's data directory holding the key of secrets at rest (mode 0600; never logged, never in the database). */
const KEY_FILE = 'secret-box.key';
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals and opens secrets the core must keep but never show (docs/devices.md, "Credentials"):
 * AES-256-GCM with a random 96-bit IV per value, the text `v1:` + base64url(iv ‖ tag ‖ cipher).
 * A database copy without the data directory's key reveals nothing; a changed byte fails to open.
 */
export interface SecretBox {
  seal(plain: string): string;
  /** Throws when the text was not sealed by this key or was altered. */
  open(sealed: string): string;
}

/** Reads the key, creating a random 256-bit one (file mode 0600) the first time a secret is sealed or opened. */
function loadOrCreateKey(dataDir: string): Buffer {
  const path = join(dataDir, KEY_FILE);
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
    if (key.length !== 32) throw new Error(`${path}: not a 256-bit key`);
    return key;
  }
  mkdirSync(dirname(path), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, key.toString('base64url'), { mode: 0o600, flag: 'wx' });
  return key;
}

/** The secret box of a core whose data directory is `dataDir` (the key is read on first use, then kept). */
export function createSecretBox(dataDir: string): SecretBox {
  let key: Buffer | undefined;
  const keyOf = () => (key ??= loadOrCreateKey(dataDir));
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keyOf(), iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(sealed) {
      if (!sealed.startsWith(`${VERSION}:`)) throw new Error('not a sealed secret');
      const raw = Buffer.from(sealed.slice(VERSION.length + 1), 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed secret too short');
      const decipher = createDecipheriv('aes-256-gcm', keyOf(), raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
  };
}
