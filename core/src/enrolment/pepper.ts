import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EnrolmentErrors } from './errors.js';

const PEPPER_FILE = 'pepper';
const PEPPER_BYTES = 32;

/**
 * The 32-byte pepper of the agent secret hashes, kept in `<pkiDir>/pepper` (mode 0600) and
 * never in the database: a stolen database alone then does not even allow checking a guessed
 * secret offline. Created on first use; losing it invalidates every agent's credentials.
 */
export async function loadOrCreatePepper(pkiDir: string): Promise<Buffer> {
  await mkdir(pkiDir, { recursive: true, mode: 0o700 });
  const path = join(pkiDir, PEPPER_FILE);
  try {
    // 'wx' fails when the file exists, so two processes starting at once cannot both create one.
    await writeFile(path, randomBytes(PEPPER_BYTES), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const pepper = await readFile(path);
  if (pepper.length !== PEPPER_BYTES) throw EnrolmentErrors.PEPPER_INVALID(`${path} holds ${pepper.length} bytes, expected ${PEPPER_BYTES}`);
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  return pepper;
}
