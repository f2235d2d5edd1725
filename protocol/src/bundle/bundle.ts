import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { isProphasisError } from '../errors.js';
import { validateManifest, type Manifest } from '../manifest.js';
import { BundleErrors } from './errors.js';
import { publicKeyFingerprint, rawPublicKey, type TrustedKeys } from './keys.js';
import { bundleLimits, type BundleLimits } from './limits.js';
import { checkBundlePath, MANIFEST_FILE, SIGNATURE_FILE } from './paths.js';
import { readZip } from './zip-reader.js';
import { writeZip } from './zip-writer.js';

/** Contents of `manifest.sig`: an Ed25519 signature over the exact bytes of `manifest.json`. */
interface BundleSignature {
  alg: 'ed25519';
  /** Fingerprint of the signing public key (SHA-256 of the raw key, hex). */
  keyId: string;
  /** Base64 of the 64-byte signature. */
  sig: string;
}

/** A bundle whose structure, manifest and file hashes were checked, but not (yet) its signer. */
export interface InspectedBundle {
  manifest: Manifest;
  /** The exact bytes of `manifest.json`, as signed. */
  manifestBytes: Buffer;
  /** Every file listed in the manifest, by relative path; the hash of each was checked. */
  files: Map<string, Buffer>;
  /** Identity of the bundle: SHA-256 (hex) of the whole zip. */
  sha256: string;
  /** The signature it carries, not checked; `undefined` when it has none. */
  signature: BundleSignature | undefined;
}

/** A bundle signed by a trusted publisher key, with every file checked against the manifest. */
export interface VerifiedBundle extends InspectedBundle {
  signature: BundleSignature;
  /** Fingerprint of the trusted key that signed it. */
  keyId: string;
}

export interface VerifyOptions {
  trustedKeys: TrustedKeys;
  limits?: Partial<BundleLimits>;
}

/** SHA-256 of some bytes, lower-case hex. */
export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Opens a bundle completely before anything of it is used: structure and sizes, a trusted and
 * valid signature, the manifest schema, then every file against its hash. The signature is
 * checked before the manifest is parsed, so nothing unsigned reaches the schema validator.
 * Throws a `BUNDLE_*` {@link ProphasisError}, never anything else.
 */
export function verifyBundle(zip: Buffer, options: VerifyOptions): VerifiedBundle {
  const opened = openBundle(zip, bundleLimits(options.limits));
  if (opened.signatureBytes === undefined) throw BundleErrors.MISSING_SIGNATURE();
  const signature = parseSignature(opened.signatureBytes);
  checkSignature(opened.manifestBytes, signature, options.trustedKeys);
  const manifest = parseManifest(opened.manifestBytes);
  const files = checkFiles(manifest, opened.entries);
  return { manifest, manifestBytes: opened.manifestBytes, files, sha256: opened.sha256, signature, keyId: signature.keyId };
}

/**
 * Reads a bundle without trusting its signer, to show its manifest and capabilities before an
 * administrator decides to trust the publisher. Structure, sizes, schema and file hashes are
 * checked as in {@link verifyBundle}; the signature is only parsed, never believed.
 */
export function inspectBundle(zip: Buffer, options: { limits?: Partial<BundleLimits> } = {}): InspectedBundle {
  const opened = openBundle(zip, bundleLimits(options.limits));
  const signature = opened.signatureBytes === undefined ? undefined : parseSignature(opened.signatureBytes);
  const manifest = parseManifest(opened.manifestBytes);
  const files = checkFiles(manifest, opened.entries);
  return { manifest, manifestBytes: opened.manifestBytes, files, sha256: opened.sha256, signature };
}

/**
 * Signs a packed bundle: adds (or replaces) `manifest.sig` with an Ed25519 signature of
 * `manifest.json` by `privateKey`. The bundle is inspected first, so a bundle whose files do
 * not match its manifest is never signed.
 */
export function signBundle(zip: Buffer, privateKey: KeyObject, options: { limits?: Partial<BundleLimits> } = {}): Buffer {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw BundleErrors.BAD_KEY(`need an Ed25519 private key, got ${privateKey.asymmetricKeyType ?? privateKey.type}`);
  }
  const limits = bundleLimits(options.limits);
  const bundle = inspectBundle(zip, { limits });
  const signature: BundleSignature = {
    alg: 'ed25519',
    keyId: publicKeyFingerprint(privateKey),
    sig: sign(null, bundle.manifestBytes, privateKey).toString('base64'),
  };
  const out = new Map(bundle.files);
  out.set(MANIFEST_FILE, bundle.manifestBytes);
  out.set(SIGNATURE_FILE, Buffer.from(`${JSON.stringify(signature, null, 2)}\n`));
  return checked(writeZip(out), limits);
}

/**
 * Packs a plugin folder into an unsigned bundle. Included: every regular file under `dir`
 * except `manifest.json`, `manifest.sig`, dotfiles and dot-folders, and `node_modules`.
 * Symbolic links and special files are refused, not skipped, so nothing the author expects
 * is silently left out. `manifest.files` is computed (any value in the folder's manifest is
 * replaced), the manifest validated, and the zip written deterministically: the same folder
 * always gives the same bytes and so the same bundle hash.
 */
export function packBundle(dir: string, options: { limits?: Partial<BundleLimits> } = {}): Buffer {
  const limits = bundleLimits(options.limits);
  const root = resolve(dir);
  // The folder itself may be reached through a link (the author's choice); inside it, links are refused.
  let rootIsDirectory = false;
  try {
    rootIsDirectory = statSync(root).isDirectory();
  } catch {
    // reported below
  }
  if (!rootIsDirectory) throw BundleErrors.PACK_SOURCE(`${root} is not a directory`);

  const manifestPath = join(root, MANIFEST_FILE);
  const manifestStat = lstatOrNull(manifestPath);
  if (manifestStat?.isSymbolicLink()) throw BundleErrors.SYMLINK(manifestPath);
  if (!manifestStat?.isFile()) throw BundleErrors.MISSING_MANIFEST(`no ${MANIFEST_FILE} in ${root}`);
  const source = parseJsonObject(readFileSync(manifestPath));

  const files = new Map<string, Buffer>();
  let total = 0;
  const walk = (relative: string): void => {
    const absolute = join(root, relative);
    const names = readdirSync(absolute).sort();
    for (const name of names) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      if (relative === '' && (name === MANIFEST_FILE || name === SIGNATURE_FILE)) continue;
      const path = relative === '' ? name : `${relative}/${name}`;
      const stat = lstatSync(join(root, path));
      if (stat.isSymbolicLink()) throw BundleErrors.SYMLINK(`${path} in ${root}`);
      if (stat.isDirectory()) {
        walk(path);
        continue;
      }
      if (!stat.isFile()) throw BundleErrors.BAD_ENTRY_TYPE(`${path} in ${root} is not a regular file`);
      checkBundlePath(path);
      if (files.size + 2 > limits.maxEntries) throw BundleErrors.TOO_MANY_ENTRIES(`more than ${limits.maxEntries} entries in ${root}`);
      total += stat.size;
      if (total > limits.maxUnpackedBytes) throw BundleErrors.TOO_LARGE_UNPACKED(`more than ${limits.maxUnpackedBytes} bytes in ${root}`);
      files.set(path, readFileSync(join(root, path)));
    }
  };
  try {
    walk('');
  } catch (err) {
    if (isProphasisError(err)) throw err;
    throw BundleErrors.PACK_SOURCE(`${root}: ${(err as Error).message}`);
  }

  const hashes = Object.fromEntries([...files.keys()].sort().map((path) => [path, sha256Hex(files.get(path)!)]));
  const manifestBytes = Buffer.from(`${JSON.stringify({ ...source, files: hashes }, null, 2)}\n`);
  parseManifest(manifestBytes);
  files.set(MANIFEST_FILE, manifestBytes);
  return checked(writeZip(files), limits);
}

interface OpenedBundle {
  sha256: string;
  entries: Map<string, Buffer>;
  manifestBytes: Buffer;
  signatureBytes: Buffer | undefined;
}

function openBundle(zip: Buffer, limits: BundleLimits): OpenedBundle {
  const entries = new Map<string, Buffer>();
  for (const { name, data } of readZip(zip, limits)) entries.set(name, data);
  const manifestBytes = entries.get(MANIFEST_FILE);
  if (manifestBytes === undefined) throw BundleErrors.MISSING_MANIFEST();
  return { sha256: sha256Hex(zip), entries, manifestBytes, signatureBytes: entries.get(SIGNATURE_FILE) };
}

/** What we write must open again under the same limits (the packed size is known only now). */
function checked(zip: Buffer, limits: BundleLimits): Buffer {
  inspectBundle(zip, { limits });
  return zip;
}

function parseJsonObject(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw BundleErrors.INVALID_MANIFEST(`${MANIFEST_FILE} is not UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw BundleErrors.INVALID_MANIFEST(`${MANIFEST_FILE} is not a JSON object`);
  return value as Record<string, unknown>;
}

function parseManifest(bytes: Buffer): Manifest {
  const value = parseJsonObject(bytes);
  let manifest: Manifest;
  try {
    manifest = validateManifest(value);
  } catch (err) {
    // validateManifest speaks PROTO_INVALID_MANIFEST; at a bundle's door the code is ours.
    if (isProphasisError(err)) throw BundleErrors.INVALID_MANIFEST(err.message.replace(/^[^:]*: /, ''));
    throw err;
  }
  for (const reserved of [MANIFEST_FILE, SIGNATURE_FILE]) {
    if (Object.hasOwn(manifest.files, reserved)) throw BundleErrors.INVALID_MANIFEST(`/files may not list ${reserved}`);
  }
  return manifest;
}

/** Every listed file present with its hash, and nothing present that is not listed. */
function checkFiles(manifest: Manifest, entries: Map<string, Buffer>): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const [path, expected] of Object.entries(manifest.files)) {
    const data = entries.get(path);
    if (data === undefined) throw BundleErrors.MISSING_FILE(path);
    const actual = sha256Hex(data);
    if (actual !== expected) throw BundleErrors.HASH_MISMATCH(`${path} has ${actual}, the manifest says ${expected}`);
    files.set(path, data);
  }
  for (const name of entries.keys()) {
    if (name !== MANIFEST_FILE && name !== SIGNATURE_FILE && !files.has(name)) throw BundleErrors.UNLISTED_FILE(name);
  }
  return files;
}

const SIGNATURE_KEYS = ['alg', 'keyId', 'sig'];

/** Parses `manifest.sig` strictly: exactly `{alg, keyId, sig}`, a 64-byte canonical base64 signature. */
function parseSignature(bytes: Buffer): BundleSignature {
  let value: unknown;
  try {
    if (bytes.length > 4096) throw new Error(`${bytes.length} bytes`);
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw BundleErrors.MALFORMED_SIGNATURE(`not JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw BundleErrors.MALFORMED_SIGNATURE('not a JSON object');
  const keys = Object.keys(value).sort();
  if (keys.length !== SIGNATURE_KEYS.length || keys.some((k, i) => k !== SIGNATURE_KEYS[i])) {
    throw BundleErrors.MALFORMED_SIGNATURE(`expected exactly the keys ${SIGNATURE_KEYS.join(', ')}`);
  }
  const { alg, keyId, sig } = value as Record<string, unknown>;
  if (alg !== 'ed25519') throw BundleErrors.MALFORMED_SIGNATURE(`unsupported alg ${JSON.stringify(alg)}`);
  if (typeof keyId !== 'string' || !/^[a-f0-9]{64}$/.test(keyId)) throw BundleErrors.MALFORMED_SIGNATURE('keyId is not a lower-case hex SHA-256');
  // 64 bytes are 88 base64 characters ending in "=="; anything else is not one signature.
  if (typeof sig !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(sig) || Buffer.from(sig, 'base64').toString('base64') !== sig) {
    throw BundleErrors.MALFORMED_SIGNATURE('sig is not the base64 of a 64-byte Ed25519 signature');
  }
  return { alg, keyId, sig };
}

function checkSignature(manifestBytes: Buffer, signature: BundleSignature, trustedKeys: TrustedKeys): void {
  const key = trustedKeys(signature.keyId);
  if (key === undefined) throw BundleErrors.UNKNOWN_PUBLISHER(`key ${signature.keyId}`);
  // A lookup that hands back some other key must not turn into "valid signature by keyId".
  let actualId: string;
  try {
    rawPublicKey(key);
    actualId = publicKeyFingerprint(key);
  } catch {
    throw BundleErrors.UNKNOWN_PUBLISHER(`the trusted key for ${signature.keyId} is not an Ed25519 key`);
  }
  if (actualId !== signature.keyId) throw BundleErrors.UNKNOWN_PUBLISHER(`the trusted key for ${signature.keyId} has fingerprint ${actualId}`);
  let valid = false;
  try {
    valid = verify(null, manifestBytes, key, Buffer.from(signature.sig, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) throw BundleErrors.BAD_SIGNATURE(`by key ${signature.keyId}`);
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
