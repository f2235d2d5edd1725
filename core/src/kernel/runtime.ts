import { defineErrors } from '@prophasis/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The running core's effective facts, kept in `<dataDir>/runtime.json` while it runs, so the
 * CLI commands that print addresses (`host add`, `fleet-token create`) print the ones the core
 * really uses, whatever the environment of the shell they run in (docs/configuration.md, "One
 * effective configuration"). Written once every part has started, mode 0600, removed when the
 * core stops cleanly; a file left by a core that died is recognised by its pid.
 */
const RuntimeFactsSchema = Type.Object({
  v: Type.Literal(1),
  pid: Type.Integer({ minimum: 1 }),
  startedAt: Type.String(),
  /** Where people reach the console: `publicUrl`, else `http(s)://localhost:<port>`. */
  baseUrl: Type.String(),
  /** `publicUrl` as configured; empty: none. */
  publicUrl: Type.String(),
  http: Type.Object({
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    host: Type.String(),
    /** `none`: plain HTTP; `files`: a given certificate; `own-ca`: one from the core's own CA. */
    certificate: Type.Union([Type.Literal('none'), Type.Literal('files'), Type.Literal('own-ca')]),
    /** `sha256//…` of the HTTPS certificate's public key (for `curl --pinnedpubkey`); empty over HTTP. */
    publicKeyPin: Type.String(),
  }),
  mqtt: Type.Object({
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    host: Type.String(),
    /** The external broker's URL without credentials; empty: the embedded broker. */
    externalUrl: Type.String(),
    /** SHA-256 (hex) of the CA agents pin; empty when an external broker has no CA file configured. */
    caFingerprint: Type.String(),
    /** The name agents are told to reach the broker at by default (the first certificate name, or the external broker's host). */
    server: Type.String(),
  }),
  /** The database, without a password: `sqlite:<path>` or `postgres://user@host:port/db`. */
  database: Type.String(),
});
export type RuntimeFacts = Static<typeof RuntimeFactsSchema>;

/** Refusals that come from comparing a CLI command's configuration with the running core's. */
export const RuntimeErrors = defineErrors('CORE_RUNTIME', {
  OTHER_DATABASE: { status: 409, message: 'The running core uses another database than this command would' },
});

const RUNTIME_FILE = 'runtime.json';

/** What {@link readRuntimeFacts} found. */
type RuntimeLookup =
  | { state: 'running'; path: string; facts: RuntimeFacts }
  /** The file names a process that no longer runs (a core killed or crashed). */
  | { state: 'stale'; path: string; facts: RuntimeFacts }
  | { state: 'absent'; path: string }
  /** Unreadable or not in this format: ignored, with the reason. */
  | { state: 'invalid'; path: string; reason: string };

/** Whether process `pid` exists (EPERM: it does, as another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes the facts of the core running in this process (atomically: a reader never sees half a file). */
export async function writeRuntimeFacts(dataDir: string, facts: RuntimeFacts): Promise<void> {
  const path = join(dataDir, RUNTIME_FILE);
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(facts, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600); // the umask may have narrowed it, never widened: still say it
  await rename(tmp, path);
}

/** Removes the file if this process wrote it (a second core on the same data directory keeps its own). */
export async function removeRuntimeFacts(dataDir: string, pid: number = process.pid): Promise<void> {
  const path = join(dataDir, RUNTIME_FILE);
  const found = await readRuntimeFacts(dataDir, { isAlive: () => true });
  if ((found.state === 'running' && found.facts.pid === pid) || found.state === 'invalid') await unlink(path).catch(() => {});
}

/** Reads `<dataDir>/runtime.json` and tells a running core's facts from a stale file's. */
export async function readRuntimeFacts(dataDir: string, options: { isAlive?: (pid: number) => boolean } = {}): Promise<RuntimeLookup> {
  const path = join(dataDir, RUNTIME_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { state: 'absent', path } : { state: 'invalid', path, reason: code ?? (err as Error).message };
  }
  let facts: unknown;
  try {
    facts = JSON.parse(text);
  } catch (err) {
    return { state: 'invalid', path, reason: (err as Error).message };
  }
  if (!Value.Check(RuntimeFactsSchema, facts)) {
    const first = Value.Errors(RuntimeFactsSchema, facts).First();
    return { state: 'invalid', path, reason: `${first?.path || '(root)'}: ${first?.message ?? 'not runtime facts'}` };
  }
  return { state: (options.isAlive ?? processAlive)(facts.pid) ? 'running' : 'stale', path, facts };
}

/** How the facts name a database: `sqlite:<path>`, or the PostgreSQL URL without its password. */
export function describeDatabase(databaseUrl: string, sqliteFile: string): string {
  if (!databaseUrl) return `sqlite:${sqliteFile}`;
  try {
    const url = new URL(databaseUrl);
    url.password = '';
    return url.toString();
  } catch {
    return 'postgres:(unparsable URL)';
  }
}

/** A URL without user name and password, for files and logs. */
export function withoutCredentials(url: string): string {
  if (!url) return url;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
