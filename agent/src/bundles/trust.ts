import { isProphasisError, parsePublicKey, publicKeyFingerprint, trustKeys, type Logger, type TrustedKeys } from '@prophasis/protocol';
import type { KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Folder where an operator may put publisher public keys (`*.pub`, SPKI PEM) by hand. */
const TRUSTED_KEYS_DIR = 'trusted-keys';
/** The publisher keys the core sent with `config.set` (`trustedPublishers`), as JSON. */
const TRUSTED_PUBLISHERS_FILE = 'trusted-publishers.json';

export interface TrustedPublisher {
  keyId: string;
  publicKeyPem: string;
  name?: string;
}

/** The publisher keys the agent verifies bundles against (docs/agent.md, "Trusted publishers"). */
export interface TrustStore {
  /** A lookup over the keys trusted right now (read from disk on each call: installs are rare). */
  keys(): Promise<TrustedKeys>;
  /** Replaces the list the core sent. Entries whose key does not match its keyId are refused (returned). */
  setPublishers(publishers: readonly TrustedPublisher[]): Promise<{ accepted: number; refused: string[] }>;
}

/**
 * Two sources, united: the list the core sends in `config.set` (the core's own site key and
 * every publisher an administrator trusts; the agent accepts it because the core is
 * authenticated by the pinned CA) and `*.pub` files an operator placed in `trusted-keys/`.
 */
export function createTrustStore(config: { dataDir: string }, deps: { logger: Logger }): TrustStore {
  const logger = deps.logger.child({ component: 'trust' });
  const publishersPath = join(config.dataDir, TRUSTED_PUBLISHERS_FILE);
  const keysDir = join(config.dataDir, TRUSTED_KEYS_DIR);

  function parse(pem: string, what: string): KeyObject | undefined {
    try {
      return parsePublicKey(pem);
    } catch (err) {
      logger.warn({ what, reason: isProphasisError(err) ? err.message : String(err) }, 'ignoring an unusable publisher key');
      return undefined;
    }
  }

  return {
    async keys() {
      const keys: KeyObject[] = [];
      let names: string[] = [];
      try {
        names = (await readdir(keysDir)).filter((n) => n.endsWith('.pub')).sort();
      } catch {
        // no folder: no operator keys
      }
      for (const name of names) {
        const key = parse(await readFile(join(keysDir, name), 'utf8'), name);
        if (key) keys.push(key);
      }
      try {
        const list = JSON.parse(await readFile(publishersPath, 'utf8')) as TrustedPublisher[];
        for (const p of list) {
          const key = parse(p.publicKeyPem, p.keyId);
          if (key) keys.push(key);
        }
      } catch {
        // none sent yet
      }
      return trustKeys(keys);
    },

    async setPublishers(publishers) {
      const accepted: TrustedPublisher[] = [];
      const refused: string[] = [];
      for (const p of publishers) {
        const key = parse(p.publicKeyPem, p.keyId);
        if (key && publicKeyFingerprint(key) === p.keyId) accepted.push({ keyId: p.keyId, publicKeyPem: p.publicKeyPem, ...(p.name ? { name: p.name } : {}) });
        else refused.push(p.keyId);
      }
      if (refused.length > 0) logger.warn({ refused }, 'trusted publisher keys whose fingerprint does not match their keyId were ignored');
      await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
      const tmp = `${publishersPath}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(accepted, null, 2), { mode: 0o600 });
      await rename(tmp, publishersPath);
      logger.info({ publishers: accepted.map((p) => p.keyId) }, 'trusted publishers replaced');
      return { accepted: accepted.length, refused };
    },
  };
}
