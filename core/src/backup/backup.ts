import type { Logger } from '@prophasis/protocol';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { QueryTypes } from 'sequelize';
import * as tar from 'tar';
import { createDatabase } from '../db/index.js';
import { sqlitePath, type CoreConfig } from '../kernel/index.js';
import { decryptFile, encryptFile } from './archive.js';
import { BackupErrors } from './errors.js';

/** What a backup holds besides the files of the data directory (`manifest.json` in the archive). */
interface Manifest {
  format: 1;
  createdAt: number;
  dialect: 'sqlite' | 'postgres';
  /** The data directory's files in the archive, relative paths. */
  files: string[];
}

/**
 * What of the data directory is not copied: the database files (a consistent snapshot goes
 * instead), the broker's session store (agents resubscribe), and what the core rebuilds at start
 * or on demand (agent packages, the local marketplace, the first-party bundles), and
 * `runtime.json`, the facts of the core running now (kernel/runtime.ts), not of the restored one.
 */
const EXCLUDED = ['prophasis.sqlite', 'prophasis.sqlite-wal', 'prophasis.sqlite-shm', 'prophasis.sqlite-journal', 'mqtt-sessions', 'downloads', 'marketplace', join('plugins', 'first-party'), 'runtime.json'];
const DB_SQLITE = 'database.sqlite';
const DB_PG = 'database.pgdump';

const dialectOf = (config: CoreConfig) => (config.databaseUrl ? 'postgres' : 'sqlite');

function run(program: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(program, args, { maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(BackupErrors.TOOL_FAILED(missing ? `${program} is not installed (Debian: postgresql-client)` : `${program}: ${stderr.trim().split('\n').slice(-3).join(' ') || err.message}`));
    }),
  );
}

/** The data directory's files to keep, relative to it. */
async function dataFiles(dataDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(dataDir, path);
      if (EXCLUDED.includes(rel)) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.push(rel);
    }
  };
  await walk(dataDir);
  return out.sort();
}

async function withTemp<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'prophasis-backup-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `prophasis backup FILE` (docs/operations.md, "Backup and restore"): a consistent snapshot of
 * the database (SQLite `VACUUM INTO`, PostgreSQL `pg_dump --format=custom`; both while the core
 * runs) and the data directory's keys and settings — the private CA, the server certificate, the
 * pepper, the site signing key, trusted publishers, the action-link key — in a gzipped tar,
 * encrypted with the passphrase (./archive.ts). Written beside `file` and renamed into place, so
 * a failed backup never leaves a partial file under its name.
 */
export async function createBackup(config: CoreConfig, file: string, passphrase: string, deps: { logger: Logger }): Promise<{ bytes: number; files: number; dialect: string }> {
  if (!passphrase) throw BackupErrors.NO_PASSPHRASE();
  const dialect = dialectOf(config);
  return withTemp(async (tmp) => {
    const stage = join(tmp, 'stage');
    await mkdir(join(stage, 'data'), { recursive: true, mode: 0o700 });
    if (dialect === 'sqlite') {
      if (!(await stat(sqlitePath(config)).then(() => true, () => false))) {
        throw BackupErrors.NO_CORE(`${sqlitePath(config)} does not exist: is PROPHASIS_DATA_DIR (or DATABASE_URL) the core's?`);
      }
      const db = new DatabaseSync(sqlitePath(config), { readOnly: true, timeout: 30_000 });
      try {
        db.exec(`VACUUM INTO '${join(stage, DB_SQLITE).replaceAll("'", "''")}'`);
      } finally {
        db.close();
      }
    } else {
      await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${join(stage, DB_PG)}`, `--dbname=${config.databaseUrl}`]);
    }
    const files = await dataFiles(config.dataDir);
    for (const rel of files) await cp(join(config.dataDir, rel), join(stage, 'data', rel), { preserveTimestamps: true, mode: 0 });
    const manifest: Manifest = { format: 1, createdAt: Date.now(), dialect, files };
    await writeFile(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    const plain = join(tmp, 'backup.tar.gz');
    await tar.c({ gzip: true, cwd: stage, file: plain, portable: false }, ['manifest.json', dialect === 'sqlite' ? DB_SQLITE : DB_PG, 'data']);
    const partial = `${file}.partial`;
    await mkdir(dirname(file), { recursive: true });
    try {
      await encryptFile(plain, partial, passphrase);
      await rename(partial, file);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    const bytes = (await stat(file)).size;
    deps.logger.info({ file, bytes, files: files.length, dialect }, 'backup written');
    return { bytes, files: files.length, dialect };
  });
}

/** Whether the data directory already holds a core (its CA key or its SQLite database). */
async function holdsACore(dataDir: string): Promise<string | undefined> {
  for (const rel of [join('pki', 'ca.key'), 'prophasis.sqlite']) {
    if (await stat(join(dataDir, rel)).then(() => true, () => false)) return rel;
  }
  return undefined;
}

async function pgHasTables(config: CoreConfig, logger: Logger): Promise<boolean> {
  const db = await createDatabase({ url: config.databaseUrl, sqlitePath: sqlitePath(config) }, { logger });
  try {
    const [row] = await db.sequelize.query<{ n: number | string }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'", { type: QueryTypes.SELECT });
    return Number(row?.n ?? 0) > 0;
  } finally {
    await db.close();
  }
}

/**
 * `prophasis restore FILE` onto a fresh machine: the data directory (and on PostgreSQL the
 * database of `DATABASE_URL`) must be empty, unless `force`. The archive is decrypted and
 * authenticated completely before anything is written; then the keys and settings go back into
 * the data directory with their modes and the database is restored, so the next `prophasis
 * start` is the same core: every enrolled agent reconnects with its own credentials and pins
 * the same CA.
 */
export async function restoreBackup(config: CoreConfig, file: string, passphrase: string, options: { force?: boolean; logger: Logger }): Promise<{ files: number; dialect: string; createdAt: number }> {
  if (!passphrase) throw BackupErrors.NO_PASSPHRASE();
  const dialect = dialectOf(config);
  const existing = await holdsACore(config.dataDir);
  if (existing && !options.force) throw BackupErrors.NOT_EMPTY(`${config.dataDir} has ${existing}; restore onto a fresh data directory, or pass --force to replace it`);
  if (dialect === 'postgres' && !options.force && (await pgHasTables(config, options.logger))) {
    throw BackupErrors.NOT_EMPTY('the database of DATABASE_URL has tables; restore into an empty database, or pass --force to replace them');
  }
  return withTemp(async (tmp) => {
    const plain = join(tmp, 'backup.tar.gz');
    await decryptFile(file, plain, passphrase);
    const out = join(tmp, 'out');
    await mkdir(out, { mode: 0o700 });
    await tar.x({ file: plain, cwd: out, preserveOwner: false });
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    } catch {
      throw BackupErrors.DAMAGED('the archive has no readable manifest.json');
    }
    if (manifest.format !== 1) throw BackupErrors.DAMAGED(`backup format ${String(manifest.format)} is not known to this core`);
    if (manifest.dialect !== dialect) {
      throw BackupErrors.WRONG_DATABASE(`the backup is of a ${manifest.dialect} core and this core is configured for ${dialect} (DATABASE_URL)`);
    }
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    for (const rel of manifest.files) {
      await mkdir(dirname(join(config.dataDir, rel)), { recursive: true, mode: 0o700 });
      await cp(join(out, 'data', rel), join(config.dataDir, rel), { preserveTimestamps: true, force: true });
    }
    if (dialect === 'sqlite') {
      for (const suffix of ['-wal', '-shm', '-journal']) await rm(`${sqlitePath(config)}${suffix}`, { force: true });
      await cp(join(out, DB_SQLITE), sqlitePath(config), { force: true });
    } else {
      await run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', ...(options.force ? ['--clean', '--if-exists'] : []), `--dbname=${config.databaseUrl}`, join(out, DB_PG)]);
    }
    options.logger.info({ file, files: manifest.files.length, dialect, createdAt: manifest.createdAt }, 'backup restored');
    return { files: manifest.files.length, dialect, createdAt: manifest.createdAt };
  });
}
