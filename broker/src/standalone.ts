import type { Logger } from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBroker, type Broker } from './broker.js';
import { readBrokerSettings } from './config.js';
import { createSecretHasher, generateSecret, type SecretHasher } from './credentials.js';
import { createFileAuthenticator, readCredentialsFile, writeCredentialsFile } from './file-authenticator.js';
import { ensurePki, type Pki } from './pki.js';

/** Files of the standalone broker inside its data directory. */
function standalonePaths(dir: string): { pki: string; pepper: string; credentials: string; sessions: string } {
  return { pki: join(dir, 'pki'), pepper: join(dir, 'pepper'), credentials: join(dir, 'credentials.json'), sessions: join(dir, 'sessions') };
}

/** The key of the keyed hashes; created once (32 random bytes, mode 0600) and kept. */
async function loadPepper(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const pepper = randomBytes(32);
    await writeFile(path, pepper, { mode: 0o600, flag: 'wx' });
    return pepper;
  }
}

async function hasherFor(dir: string): Promise<SecretHasher> {
  return createSecretHasher(await loadPepper(standalonePaths(dir).pepper));
}

/**
 * Creates a new secret for `username` (an agent id or `$service`), stores only its hash in
 * `credentials.json` and returns the secret, which is shown once.
 */
export async function issueCredential(dir: string, username: string): Promise<string> {
  const paths = standalonePaths(dir);
  const hasher = await hasherFor(dir);
  const credentials = await readCredentialsFile(paths.credentials);
  const secret = generateSecret();
  credentials[username] = hasher.hash(secret);
  await writeCredentialsFile(paths.credentials, credentials);
  return secret;
}

/** Runs the broker standalone from its data directory; see docs/broker.md. */
export async function startStandalone(
  dir: string,
  opts: { logger: Logger; hostnames: string[]; ips: string[]; environment?: NodeJS.ProcessEnv },
): Promise<{ broker: Broker; pki: Pki; port: number; stop(): Promise<void> }> {
  const paths = standalonePaths(dir);
  const settings = readBrokerSettings(opts.environment ?? process.env, { persistenceDir: paths.sessions });
  const pki = await ensurePki(paths.pki, { hostnames: opts.hostnames, ips: opts.ips, logger: opts.logger });
  const authenticator = createFileAuthenticator({ path: paths.credentials }, { logger: opts.logger, hasher: await hasherFor(dir) });
  await authenticator.start();
  const broker = createBroker({ ...settings, tls: pki }, { logger: opts.logger, authenticator });
  const { port } = await broker.start();
  return {
    broker,
    pki,
    port,
    async stop() {
      await broker.stop();
      await authenticator.stop();
    },
  };
}

