import { parsePublicKey, publicKeyFingerprint, type Logger, type Publisher, type TrustedKeys } from '@prophasis/protocol';
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PluginErrors } from './errors.js';

/**
 * One publisher key the site trusts to sign plugin bundles: the API's `Publisher`, which
 * `GET /api/publishers` lists as the store holds it. `site` marks the site's own key (site-key.ts).
 */
type TrustedPublisher = Publisher;

/**
 * The trusted publisher keys. The repository asks it synchronously while verifying a bundle
 * (`trustedKeys`, the lookup `verifyBundle` takes), so implementations keep the list in memory
 * and persist changes before they resolve.
 */
export interface TrustStore {
  readonly siteKeyId: string;
  /** The lookup `verifyBundle` takes. */
  readonly trustedKeys: TrustedKeys;
  isTrusted(keyId: string): boolean;
  /** The site key first, then the others in the order they were added. */
  list(): TrustedPublisher[];
  /** Trusts a new key. `BUNDLE_BAD_KEY` for anything but an Ed25519 PEM public key. */
  add(input: { name: string; publicKeyPem: string }, addedBy: string): Promise<TrustedPublisher>;
  /** Stops trusting a key; versions it signed stop being usable (repository.ts). */
  remove(keyId: string): Promise<TrustedPublisher>;
}

/** File the {@link createFileTrustStore} keeps in the trust folder. */
export const PUBLISHERS_FILE = 'publishers.json';

interface StoredPublisher {
  keyId: string;
  name: string;
  publicKeyPem: string;
  addedBy: string;
  addedAt: number;
}

/**
 * A trust store kept in `<dir>/publishers.json` (`<data dir>/trust/`, owner-only), written
 * atomically (temporary file + rename). Until the database has a `trusted_publishers` table
 * this is the list of record. The site key is trusted implicitly and never written to the file.
 * An entry whose key does not match its recorded fingerprint is dropped with an error log, so a
 * hand-edited file cannot make one key answer for another.
 */
export function createFileTrustStore(options: { dir: string; siteKey: KeyObject }, deps: { logger: Logger }): TrustStore {
  const logger = deps.logger.child({ component: 'plugins' });
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const file = join(options.dir, PUBLISHERS_FILE);
  const sitePublic = options.siteKey.type === 'private' ? createPublicKey(options.siteKey) : options.siteKey;
  const siteKeyId = publicKeyFingerprint(sitePublic);
  const site: TrustedPublisher = {
    keyId: siteKeyId,
    name: 'This site (first-party plugins)',
    publicKeyPem: sitePublic.export({ format: 'pem', type: 'spki' }).toString(),
    addedBy: 'site',
    addedAt: 0,
    site: true,
  };

  const stored: StoredPublisher[] = [];
  const keys = new Map<string, KeyObject>([[siteKeyId, sitePublic]]);
  for (const entry of readFile(file)) {
    try {
      const key = parsePublicKey(entry.publicKeyPem);
      const keyId = publicKeyFingerprint(key);
      if (keyId !== entry.keyId) throw new Error(`the key's fingerprint is ${keyId}`);
      if (keys.has(keyId)) continue;
      keys.set(keyId, key);
      stored.push(entry);
    } catch (err) {
      logger.error({ keyId: entry.keyId, file, reason: (err as Error).message }, 'ignoring an invalid trusted publisher entry');
    }
  }

  // One change at a time, so two concurrent additions never overwrite each other's file.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => T): Promise<T> => {
    const next = queue.then(fn);
    queue = next.catch(() => {});
    return next;
  };
  const persist = (entries: StoredPublisher[]) => {
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify({ version: 1, publishers: entries }, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw PluginErrors.TRUST_STORE(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const present = (e: StoredPublisher): TrustedPublisher => ({ ...e, site: false });

  return {
    siteKeyId,
    trustedKeys: (keyId) => keys.get(keyId),
    isTrusted: (keyId) => keys.has(keyId),
    list: () => [site, ...stored.map(present)],
    add: (input, addedBy) =>
      serial(() => {
        const name = input.name.trim();
        if (name.length === 0 || name.length > 100) throw PluginErrors.BAD_PUBLISHER_NAME('1 to 100 characters');
        const key = parsePublicKey(input.publicKeyPem);
        const keyId = publicKeyFingerprint(key);
        if (keys.has(keyId)) throw PluginErrors.PUBLISHER_EXISTS(keyId, { keyId });
        const entry: StoredPublisher = { keyId, name, publicKeyPem: key.export({ format: 'pem', type: 'spki' }).toString(), addedBy, addedAt: Date.now() };
        persist([...stored, entry]);
        stored.push(entry);
        keys.set(keyId, key);
        logger.info({ keyId, name, addedBy }, 'trusted a publisher key');
        return present(entry);
      }),
    remove: (keyId) =>
      serial(() => {
        if (keyId === siteKeyId) throw PluginErrors.SITE_KEY_PROTECTED();
        const index = stored.findIndex((e) => e.keyId === keyId);
        if (index === -1) throw PluginErrors.PUBLISHER_NOT_FOUND(keyId);
        const entry = stored[index]!;
        persist(stored.filter((_, i) => i !== index));
        stored.splice(index, 1);
        keys.delete(keyId);
        logger.info({ keyId, name: entry.name }, 'stopped trusting a publisher key');
        return present(entry);
      }),
  };
}

function readFile(file: string): StoredPublisher[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw PluginErrors.TRUST_STORE(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // Refuse to start rather than silently trust nobody (every plugin would stop being usable).
    throw PluginErrors.TRUST_STORE(`${file} is not JSON (${(err as Error).message})`);
  }
  const list = (parsed as { publishers?: unknown } | null)?.publishers;
  if (!Array.isArray(list)) throw PluginErrors.TRUST_STORE(`${file} has no "publishers" list`);
  return list.filter((e): e is StoredPublisher => {
    const ok = typeof e === 'object' && e !== null && typeof e.keyId === 'string' && typeof e.publicKeyPem === 'string' && typeof e.name === 'string';
    return ok;
  }).map((e) => ({ keyId: e.keyId, name: e.name, publicKeyPem: e.publicKeyPem, addedBy: String(e.addedBy ?? ''), addedAt: Number(e.addedAt ?? 0) }));
}

