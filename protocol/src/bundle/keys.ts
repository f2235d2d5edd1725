import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleErrors } from './errors.js';

/** File names `keygen` writes and the docs refer to. */
const PRIVATE_KEY_FILE = 'publisher.key';
const PUBLIC_KEY_FILE = 'publisher.pub';

/** Looks up a trusted publisher key by its fingerprint; `undefined` when the key is not trusted. */
export type TrustedKeys = (keyId: string) => KeyObject | undefined;

export interface PublisherKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Fingerprint of the public key, see {@link publicKeyFingerprint}. */
  keyId: string;
}

/** A fresh Ed25519 key pair for signing bundles. */
export function generatePublisherKeys(): PublisherKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, keyId: publicKeyFingerprint(publicKey) };
}

/**
 * The key id of a publisher: lower-case hex SHA-256 of the raw 32-byte Ed25519 public key
 * (RFC 8032 encoding, not the SPKI wrapper), so any tool that has the raw key can compute it.
 * Accepts a private key too and fingerprints its public half.
 */
export function publicKeyFingerprint(key: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(key)).digest('hex');
}

/** The raw 32-byte Ed25519 public key. Throws `BUNDLE_BAD_KEY` for any other key type. */
export function rawPublicKey(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.type !== 'public' || publicKey.asymmetricKeyType !== 'ed25519') {
    throw BundleErrors.BAD_KEY(`got ${key.asymmetricKeyType ?? key.type}`);
  }
  const { x } = publicKey.export({ format: 'jwk' });
  return Buffer.from(x!, 'base64url');
}

/** Parses a PEM (SPKI) Ed25519 public key. Throws `BUNDLE_BAD_KEY`. */
export function parsePublicKey(pem: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw BundleErrors.BAD_KEY(`not a PEM public key (${(err as Error).message})`);
  }
  rawPublicKey(key);
  return key;
}

/** Parses a PEM (PKCS#8) Ed25519 private key. Throws `BUNDLE_BAD_KEY`. */
function parsePrivateKey(pem: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    // The parser's message could quote key material; say only what went wrong.
    throw BundleErrors.BAD_KEY('not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw BundleErrors.BAD_KEY(`got ${key.asymmetricKeyType}`);
  return key;
}

/** Reads a public key file (PEM). */
export function loadPublicKey(path: string): KeyObject {
  return parsePublicKey(readKeyFile(path));
}

/**
 * Reads a private key file (PEM). Like ssh, refuses a file that group or others may read
 * (`BUNDLE_KEY_PERMISSIONS`): a signing key that leaked signs plugins for every site that
 * trusts it. Not checked on Windows, which has no such mode bits.
 */
export function loadPrivateKey(path: string): KeyObject {
  const fd = openKeyFile(path);
  try {
    const mode = fstatSync(fd).mode;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw BundleErrors.KEY_PERMISSIONS(`${path} has mode ${(mode & 0o777).toString(8)}; run chmod 600 ${path}`);
    }
    return parsePrivateKey(readFileSync(fd));
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `publisher.key` (PKCS#8 PEM, mode 0600) and `publisher.pub` (SPKI PEM) into `dir`.
 * Never overwrites: an existing key file is refused with `BUNDLE_KEY_EXISTS`, because
 * replacing a publisher key orphans every bundle signed with it.
 */
export function writePublisherKeys(dir: string, keys: PublisherKeyPair): { privateKeyPath: string; publicKeyPath: string } {
  const privateKeyPath = join(dir, PRIVATE_KEY_FILE);
  const publicKeyPath = join(dir, PUBLIC_KEY_FILE);
  writeNewFile(privateKeyPath, keys.privateKey.export({ format: 'pem', type: 'pkcs8' }), 0o600);
  writeNewFile(publicKeyPath, keys.publicKey.export({ format: 'pem', type: 'spki' }), 0o644);
  return { privateKeyPath, publicKeyPath };
}

/** A {@link TrustedKeys} lookup over a fixed list of public keys. */
export function trustKeys(keys: Iterable<KeyObject>): TrustedKeys {
  const byId = new Map<string, KeyObject>();
  for (const key of keys) byId.set(publicKeyFingerprint(key), key.type === 'private' ? createPublicKey(key) : key);
  return (keyId) => byId.get(keyId);
}

function writeNewFile(path: string, content: string | Buffer, mode: number): void {
  let fd: number;
  try {
    // O_EXCL: never replace; O_NOFOLLOW: never write through a planted symlink.
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw BundleErrors.KEY_EXISTS(path);
    throw BundleErrors.KEY_WRITE(`${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    writeFileSync(fd, content);
  } finally {
    closeSync(fd);
  }
}

function openKeyFile(path: string): number {
  try {
    return openSync(path, constants.O_RDONLY);
  } catch (err) {
    throw BundleErrors.BAD_KEY(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function readKeyFile(path: string): Buffer {
  const fd = openKeyFile(path);
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
