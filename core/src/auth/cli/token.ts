import { ApiTokenInput, createLogger } from '@prophasis/protocol';
import { Value } from '@sinclair/typebox/value';
import { parseArgs } from 'node:util';
import { createDatabase } from '../../db/index.js';
import { isRole, readCoreConfig, sqlitePath } from '../../kernel/index.js';
import { createApiTokens } from '../api-tokens.js';

export const TOKEN_USAGE = `Usage: prophasis token create NAME --user USER [--role ROLE] [--days N]
       prophasis token list
       prophasis token revoke ID

create prints a new API token acting for USER (an existing user; the role defaults to theirs
and can only be lower) that expires after --days days (default 90, at most 365). It is shown
only now; scripts send it as "Authorization: Bearer <token>" (docs/api.md, "API tokens").`;

/** `prophasis token …` (docs/api.md, "API tokens"): next to a running core, on its database. */
export async function tokenCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { user: { type: 'string' }, role: { type: 'string' }, days: { type: 'string' } } });
  const [sub, arg] = positionals;
  const config = readCoreConfig();
  const db = await createDatabase({ url: config.databaseUrl, sqlitePath: sqlitePath(config) }, { logger: createLogger({ name: 'core', level: 'warn' }) });
  try {
    await db.migrate();
    const tokens = createApiTokens({ sequelize: db.sequelize });
    // The CLI runs with the machine's own authority: an administrator's view of the tokens.
    const root = { id: 0, name: 'prophasis CLI', role: 'admin' as const };
    if (sub === 'list' && !arg) {
      for (const t of await tokens.list(root)) {
        const state = t.revokedAt ? 'revoked' : t.expiresAt <= Date.now() ? 'expired' : `expires ${new Date(t.expiresAt).toISOString()}`;
        console.log(`${t.id}\t${t.name}\t${t.userName}\t${t.role}\t${state}\tlast used ${t.lastUsedAt ? new Date(t.lastUsedAt).toISOString() : 'never'}`);
      }
      return 0;
    }
    if (sub === 'revoke' && arg && /^\d+$/.test(arg)) {
      const revoked = await tokens.revoke(root, Number(arg));
      console.log(`Token ${revoked.id} (${revoked.name}, of ${revoked.userName}) revoked.`);
      return 0;
    }
    if (sub !== 'create' || !arg || !values.user) {
      console.error(TOKEN_USAGE);
      return 2;
    }
    const user = await db.models.User.findOne({ where: { name: values.user } });
    if (!user) {
      console.error(`No user named ${JSON.stringify(values.user)}.`);
      return 1;
    }
    if (values.role !== undefined && !isRole(values.role)) {
      console.error(`Unknown role ${JSON.stringify(values.role)}.`);
      return 2;
    }
    const input = { name: arg, ...(values.role ? { role: values.role } : {}), expiresInDays: values.days === undefined ? 90 : Number(values.days) };
    const problem = [...Value.Errors(ApiTokenInput, input)][0];
    if (problem) {
      console.error(`${problem.path.slice(1) || 'token'}: ${problem.message}`);
      return 2;
    }
    const created = await tokens.create({ id: user.id, name: user.name, role: user.role }, input as typeof input & { role?: 'viewer' | 'operator' | 'admin' });
    console.log(`API token ${created.name} for ${created.userName} (${created.role}), expires ${new Date(created.expiresAt).toISOString()}. It is shown only now:\n\n  ${created.token}\n`);
    return 0;
  } finally {
    await db.close();
  }
}
