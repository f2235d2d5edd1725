import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { agentIdProblem } from '@prophasis/protocol';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentErrors } from './errors.js';

/**
 * What enrolment leaves on disk (contract 3): the server to connect to, the agent's identity,
 * its secret and the pinned CA. Anyone who can read this file can impersonate the host, so
 * it is owner-only and the agent refuses to start when it is not.
 */
const CredentialsSchema = Type.Object(
  {
    /** `HOST:PORT` of the core's MQTT/TLS listener. */
    server: Type.String({ minLength: 3, maxLength: 300 }),
    agentId: Type.String({ minLength: 1, maxLength: 64 }),
    secret: Type.String({ minLength: 32, maxLength: 128 }),
    /** The CA whose fingerprint the operator confirmed at enrolment, PEM. */
    caPem: Type.String({ minLength: 1, maxLength: 16_384 }),
  },
  { additionalProperties: false },
);
export type Credentials = Static<typeof CredentialsSchema>;
const check = TypeCompiler.Compile(CredentialsSchema);

const CREDENTIALS_FILE = 'credentials.json';

/** Path of the credentials file in a data directory. */
export const credentialsPath = (dataDir: string): string => join(dataDir, CREDENTIALS_FILE);

/**
 * Writes the credentials atomically (temp file + rename, so a crash leaves the old file or the
 * new one, never half of one) with mode 0600 in a directory that is made 0700.
 */
export async function writeCredentials(dataDir: string, credentials: Credentials): Promise<string> {
  if (!check.Check(credentials)) throw AgentErrors.CREDENTIALS_INVALID('refusing to write credentials that do not match their schema');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // mkdir's mode is ignored for a directory that already exists; tighten it in case.
  await chmod(dataDir, 0o700);
  const target = credentialsPath(dataDir);
  const temp = join(dataDir, `.${CREDENTIALS_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx' + 0o600: the file never exists with wider permissions, not even for a moment.
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(credentials, null, 2) + '\n', 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  return target;
}

/** True when a credentials file exists in `dataDir` (whatever its state). */
export async function hasCredentials(dataDir: string): Promise<boolean> {
  try {
    await stat(credentialsPath(dataDir));
    return true;
  } catch {
    return false;
  }
}

function ownerOnlyProblem(path: string, mode: number, uid: number, expectedMode: 'file' | 'dir'): string | undefined {
  const wanted = expectedMode === 'file' ? '600' : '700';
  if ((mode & 0o077) !== 0) {
    return `${path} has mode ${(mode & 0o777).toString(8)}; run \`chmod ${wanted} ${path}\``;
  }
  // process.getuid is absent on Windows, where POSIX modes mean little; skip the owner check there.
  const me = process.getuid?.();
  if (me !== undefined && uid !== me) return `${path} belongs to uid ${uid}, not to this user (uid ${me})`;
  return undefined;
}

/**
 * Reads and checks the credentials: `AGENT_CREDENTIALS_MISSING` when there are none,
 * `AGENT_CREDENTIALS_PERMISSIONS` when the file or its directory is accessible to group or
 * others (or belongs to someone else), `AGENT_CREDENTIALS_INVALID` when damaged.
 */
export async function readCredentials(dataDir: string): Promise<Credentials> {
  const path = credentialsPath(dataDir);
  let fileStat;
  try {
    fileStat = await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw AgentErrors.CREDENTIALS_MISSING(`no ${path}`);
    throw err;
  }
  if (process.platform !== 'win32') {
    const dirStat = await stat(dataDir);
    const problem = ownerOnlyProblem(dataDir, dirStat.mode, dirStat.uid, 'dir') ?? ownerOnlyProblem(path, fileStat.mode, fileStat.uid, 'file');
    if (problem) throw AgentErrors.CREDENTIALS_PERMISSIONS(problem);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw AgentErrors.CREDENTIALS_INVALID(`${path}: ${(err as Error).message}`);
  }
  if (!check.Check(parsed)) {
    const first = [...check.Errors(parsed)][0];
    throw AgentErrors.CREDENTIALS_INVALID(`${path}: ${first ? `${first.path || '/'} ${first.message}` : 'schema mismatch'}`);
  }
  const idProblem = agentIdProblem(parsed.agentId);
  if (idProblem) throw AgentErrors.CREDENTIALS_INVALID(`${path}: agentId ${idProblem}`);
  return parsed;
}
