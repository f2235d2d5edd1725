import { createLogger } from '@prophasis/protocol';
import { parseArgs } from 'node:util';
import { hashPassword, passwordProblem } from '../password.js';
import { isRole, ROLES } from '../../kernel/index.js';
import { readCoreConfig, sqlitePath } from '../../kernel/index.js';
import { createDatabase } from '../../db/index.js';
import { readPassword } from './password-input.js';

export const USER_USAGE = `Usage: prophasis user add NAME --role admin|operator|viewer
  Reads the password from stdin when piped, otherwise prompts for it twice without echo.
  Passwords need at least 12 characters.`;

/** `prophasis user add NAME --role ROLE`: creates a user in the configured database. */
export async function userCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { role: { type: 'string' } } });
  const [sub, name] = positionals;
  if (sub !== 'add' || !name || !values.role) {
    console.error(USER_USAGE);
    return 2;
  }
  if (!isRole(values.role)) {
    console.error(`Unknown role ${JSON.stringify(values.role)}; use one of ${ROLES.join(', ')}.`);
    return 2;
  }
  if (!/\S/.test(name) || name.length > 128) {
    console.error('The user name must be 1 to 128 characters and not blank.');
    return 2;
  }
  const password = await readPassword(`Password for ${name}: `);
  const problem = passwordProblem(password, name);
  if (problem) {
    console.error(`Password refused: ${problem}.`);
    return 1;
  }
  if (process.stdin.isTTY && (await readPassword('Repeat the password: ')) !== password) {
    console.error('The passwords differ.');
    return 1;
  }
  const config = readCoreConfig();
  const logger = createLogger({ name: 'core', level: 'warn' });
  const db = await createDatabase({ url: config.databaseUrl, sqlitePath: sqlitePath(config) }, { logger });
  try {
    await db.migrate();
    if (await db.models.User.findOne({ where: { name } })) {
      console.error(`A user named ${JSON.stringify(name)} already exists.`);
      return 1;
    }
    await db.models.User.create({ name, role: values.role, passwordHash: await hashPassword(password) });
    console.log(`User ${name} (${values.role}) created.`);
    return 0;
  } finally {
    await db.close();
  }
}
