import { isValidAgentId, type Logger } from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { AuthResult, ClientAuthenticator } from './broker.js';
import { SERVICE_USERNAME } from './broker.js';
import type { SecretHasher } from './credentials.js';
import { BrokerErrors } from './errors.js';

/**
 * `credentials.json` of the standalone broker: agent id → secret hash, and `$service` → the
 * hash of the core's service secret. Only hashes are on disk.
 */
export type CredentialsFile = Record<string, string>;

export interface FileAuthenticator extends ClientAuthenticator {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Reads and checks a credentials file; a missing file is an empty one. */
export async function readCredentialsFile(path: string): Promise<CredentialsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw BrokerErrors.CREDENTIALS_FILE_INVALID(`${path}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw BrokerErrors.CREDENTIALS_FILE_INVALID(`${path} must hold a JSON object`);
  for (const [key, value] of Object.entries(parsed)) {
    if (key !== SERVICE_USERNAME && !isValidAgentId(key)) throw BrokerErrors.CREDENTIALS_FILE_INVALID(`${JSON.stringify(key)} is not an agent id`);
    if (typeof value !== 'string' || !value.startsWith('v1$')) throw BrokerErrors.CREDENTIALS_FILE_INVALID(`the entry of ${JSON.stringify(key)} is not a secret hash`);
  }
  return parsed as CredentialsFile;
}

/** Writes a credentials file atomically with mode 0600. */
export async function writeCredentialsFile(path: string, credentials: CredentialsFile): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

/**
 * The standalone broker's authenticator: agents and the service by the hashes in
 * `credentials.json`, reloaded when the file changes (an invalid edit keeps the previous
 * content and is logged). Enrolment needs the core's database, so `$enrol` is refused here.
 */
export function createFileAuthenticator(config: { path: string }, deps: { logger: Logger; hasher: SecretHasher }): FileAuthenticator {
  const log = deps.logger.child({ component: 'broker-credentials' });
  let credentials: CredentialsFile = {};
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function reload(): Promise<void> {
    try {
      credentials = await readCredentialsFile(config.path);
      log.info({ path: config.path, entries: Object.keys(credentials).length }, 'credentials loaded');
    } catch (err) {
      log.error({ err }, 'credentials file not reloaded; keeping the previous content');
    }
  }

  return {
    async start() {
      credentials = await readCredentialsFile(config.path);
      // Watch the directory: an atomic rename replaces the file, which a file watch loses.
      watcher = watch(dirname(config.path), (_event, name) => {
        if (name !== basename(config.path)) return;
        clearTimeout(timer);
        timer = setTimeout(() => void reload(), 100); // editors write in several steps
      });
    },
    async stop() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
    async authenticate({ clientId, username, password }): Promise<AuthResult> {
      if (!username || !password) return { ok: false, reason: 'bad_credentials', message: 'username and password are required' };
      if (!Object.hasOwn(credentials, username)) {
        return username.startsWith('$') && username !== SERVICE_USERNAME
          ? { ok: false, reason: 'not_authorized', message: `${username} is not accepted by the standalone broker` }
          : { ok: false, reason: 'bad_credentials', message: 'unknown user or wrong secret' };
      }
      if (!deps.hasher.verify(password.toString('utf8'), credentials[username]!)) return { ok: false, reason: 'bad_credentials', message: 'unknown user or wrong secret' };
      if (username === SERVICE_USERNAME) return { ok: true, identity: { role: 'service' } };
      return clientId === username ? { ok: true, identity: { role: 'agent', agentId: username } } : { ok: false, reason: 'identifier_rejected', message: 'client id differs from username' };
    },
  };
}
