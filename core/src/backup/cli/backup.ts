import { createLogger } from '@prophasis/protocol';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readCoreConfig } from '../../kernel/index.js';
import { createBackup, restoreBackup } from '../backup.js';
import { BackupErrors } from '../errors.js';

export const BACKUP_USAGE = `Usage: prophasis backup FILE [--passphrase-file PATH]
       prophasis restore FILE [--passphrase-file PATH] [--force]

backup writes a consistent snapshot of the database and the data directory's keys (the CA, the
site signing key, the pepper, trusted publishers) into FILE, encrypted with a passphrase; it
may run while the core runs. restore brings it back onto a fresh data directory (and, with
DATABASE_URL, an empty PostgreSQL database); start the core afterwards and every enrolled agent
reconnects. The passphrase comes from --passphrase-file or PROPHASIS_BACKUP_PASSPHRASE.`;

async function passphraseOf(file: string | undefined): Promise<string> {
  const text = file !== undefined ? await readFile(file, 'utf8') : (process.env.PROPHASIS_BACKUP_PASSPHRASE ?? '');
  const passphrase = text.replace(/\r?\n$/, '');
  if (!passphrase) throw BackupErrors.NO_PASSPHRASE('give it with --passphrase-file PATH or PROPHASIS_BACKUP_PASSPHRASE');
  return passphrase;
}

function parse(argv: string[], withForce: boolean) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { 'passphrase-file': { type: 'string' }, ...(withForce ? { force: { type: 'boolean' as const } } : {}) },
  });
  if (positionals.length !== 1) throw BackupErrors.UNREADABLE(`one FILE is needed\n\n${BACKUP_USAGE}`);
  return { file: positionals[0]!, passphraseFile: values['passphrase-file'] as string | undefined, force: values.force === true };
}

/** `prophasis backup FILE`. */
export async function backupCommand(argv: string[]): Promise<number> {
  const { file, passphraseFile } = parse(argv, false);
  const config = readCoreConfig();
  const logger = createLogger({ name: 'core', level: 'warn' });
  const done = await createBackup(config, file, await passphraseOf(passphraseFile), { logger });
  console.log(`Backup of ${config.dataDir} (${done.dialect}, ${done.files} files) written to ${file}: ${done.bytes} bytes, encrypted.`);
  return 0;
}

/** `prophasis restore FILE`. */
export async function restoreCommand(argv: string[]): Promise<number> {
  const { file, passphraseFile, force } = parse(argv, true);
  const config = readCoreConfig();
  const logger = createLogger({ name: 'core', level: 'warn' });
  const done = await restoreBackup(config, file, await passphraseOf(passphraseFile), { force, logger });
  console.log(`Restored the backup of ${new Date(done.createdAt).toISOString()} (${done.dialect}, ${done.files} files) into ${config.dataDir}. Start the core: npx prophasis start`);
  return 0;
}
