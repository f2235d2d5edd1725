import { createLogger, FleetTokenInput } from '@prophasis/protocol';
import { Value } from '@sinclair/typebox/value';
import { parseArgs } from 'node:util';
import { QueryTypes } from 'sequelize';
import { createDatabase } from '../../db/index.js';
import { ApiErrors, CoreErrors, loggerSystemLog, readCoreConfig, sqlitePath } from '../../kernel/index.js';
import { createSequelizeFleetStore } from '../fleet-store.js';
import { createFleetTokens, type StoredFleetToken } from '../fleet.js';
import { enrolCommandOf, installCommands } from '../host-add.js';
import { hashToken } from '../registry.js';
import { installLineContext, type CliContext } from './host-add.js';

export const FLEET_TOKEN_USAGE = `Usage: prophasis fleet-token create NAME [--days N] [--max-hosts N] [--group GROUP]… [--tag TAG]… [--server HOST]

Creates a reusable fleet token and prints the one install line that registers every machine it
is pasted on: each becomes a host under its own host name, joins the given host groups (by
name) and those of the matching registration rules, and gets the tags. The token works for
--days days (default 30, at most 365) and for at most --max-hosts hosts (default: no limit).
It is shown only now; list and revoke it in the console (Auto-registration) or the API.`;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `prophasis fleet-token create NAME …` (docs/enrolment.md): like `host add`, runs next to a
 * running core on the same data directory and database. Options are checked against the API's
 * own schema (`FleetTokenInput`), so a bad one is refused with the field it names.
 */
export async function fleetTokenCreateCommand(args: string[], ctx: CliContext): Promise<{ token: string; fleetToken: StoredFleetToken; installCommand: string; text: string }> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      days: { type: 'string' },
      'max-hosts': { type: 'string' },
      group: { type: 'string', multiple: true },
      tag: { type: 'string', multiple: true },
      server: { type: 'string' },
    },
  });
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw CoreErrors.VALIDATION(`name: expected exactly one NAME\n\n${FLEET_TOKEN_USAGE}`, { field: 'name' });
  const input = {
    name,
    ttlDays: values.days === undefined ? 30 : Number(values.days),
    ...(values['max-hosts'] === undefined ? {} : { maxHosts: Number(values['max-hosts']) }),
    groupIds: [] as number[],
    tags: values.tag ?? [],
    ...(values.server === undefined ? {} : { server: values.server }),
  };
  const invalid = Value.Errors(FleetTokenInput, input).First();
  if (invalid) {
    const field = invalid.path.replace(/^\//, '').replace(/\//g, '.');
    throw CoreErrors.VALIDATION(`${field}: ${invalid.message}`, { field });
  }

  const { config, logger } = ctx;
  const { server, httpPort, mqttPort, console: served, caFingerprint, packagesSha256, source } = await installLineContext(values.server, ctx);
  const db = await createDatabase({ url: config.databaseUrl, sqlitePath: sqlitePath(config) }, { logger });
  try {
    await db.migrate();
    const groupNames = values.group ?? [];
    if (groupNames.length > 0) {
      const rows = await db.sequelize.query<{ id: number; name: string }>('SELECT id, name FROM host_groups WHERE name IN (:names)', { replacements: { names: groupNames }, type: QueryTypes.SELECT });
      const missing = groupNames.filter((g) => !rows.some((r) => r.name === g));
      if (missing.length > 0) throw ApiErrors.REFERENCE_NOT_FOUND(`--group: no host group named ${missing.map((m) => JSON.stringify(m)).join(', ')}`, { field: 'group', missing });
      input.groupIds = rows.map((r) => Number(r.id));
    }
    const fleet = createFleetTokens({ store: createSequelizeFleetStore(db), hashToken, systemLog: loggerSystemLog(logger) });
    const { token, fleetToken } = await fleet.create({ name, ttlMs: input.ttlDays * DAY_MS, maxHosts: input.maxHosts ?? null, groupIds: input.groupIds, tags: input.tags, createdBy: 'cli' });
    const ports = { caFingerprint, httpPort, mqttPort };
    const { installCommand } = installCommands({ ...ports, packagesSha256, console: served }, { server, token });
    const text = [
      source,
      '',
      `Fleet token ${JSON.stringify(name)} created (id ${fleetToken.id}).`,
      '',
      'On every machine it should register, paste this line into a shell (as root, leave out "sudo"):',
      '',
      `  ${installCommand}`,
      '',
      'Each machine becomes a host named after its own host name; a name that exists already is refused.',
      `Agents installed another way enrol with: ${enrolCommandOf(ports, { server, token })}`,
      '',
      `It registers ${fleetToken.maxHosts === null ? 'any number of hosts' : `at most ${fleetToken.maxHosts} hosts`} until ${new Date(fleetToken.expiresAt).toISOString()}.`,
      'The token is shown only now; revoke it in the console (Auto-registration) when the roll-out is done.',
    ].join('\n');
    return { token, fleetToken, installCommand, text };
  } finally {
    await db.close();
  }
}

/** `prophasis fleet-token create …`: prints the install line of a new fleet token. */
export async function fleetTokenCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'create') {
    console.error(`Unknown fleet-token command ${JSON.stringify(sub ?? '')}.\n\n${FLEET_TOKEN_USAGE}`);
    return 2;
  }
  const result = await fleetTokenCreateCommand(rest, { config: readCoreConfig(), logger: createLogger({ name: 'core', level: 'warn' }) });
  console.log(result.text);
  return 0;
}
