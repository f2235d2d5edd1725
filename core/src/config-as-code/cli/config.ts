import { createLogger, type ConfigApplyResult } from '@prophasis/protocol';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createDatabase, type Database } from '../../db/index.js';
import { readCoreConfig, readRuntimeFacts, sqlitePath } from '../../kernel/index.js';
import { createConfigAsCode } from '../config-as-code.js';
import type { ConfigParts } from '../types.js';

export const CONFIG_USAGE = `Usage: prophasis config export [--out FILE]
       prophasis config apply FILE [--dry-run] [--prune]

export writes the configuration (hosts, host groups, checks, classifier overrides, schedules,
services, alerts, templates, silences, settings, plugin approvals, registration rules) as YAML to FILE or to
standard output; secrets appear as \${secret:NAME} references, never as values.
apply prints what FILE changes (create / update / delete, by kind and name) and applies it in
one transaction; --dry-run only prints; --prune also deletes the objects of the kinds in FILE
that FILE does not name. \${secret:NAME} is read from PROPHASIS_SECRET_NAME. Both work on the
core's database (DATABASE_URL or the data directory); while the core runs, prefer the API
(POST /api/config/apply with an API token), which tells the running core at once
(docs/configuration-as-code.md).`;

/** The changes of an apply as lines: `+ create hosts web1`, `~ update checks cpu (plugins)`, `- delete …`. */
function describeChanges(result: ConfigApplyResult): string {
  const sign = { create: '+', update: '~', delete: '-' } as const;
  const lines = result.changes.map((c) => `${sign[c.action]} ${c.action} ${c.kind} ${c.name}${c.fields ? ` (${c.fields.join(', ')})` : ''}`);
  const notes = result.notes.map((n) => `note: ${n}`);
  const count = (action: string) => result.changes.filter((c) => c.action === action).length;
  const summary = !result.changed
    ? 'No changes: this core already has this configuration.'
    : `${result.dryRun ? 'Would change' : 'Applied'}: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete${result.dryRun ? ' (dry run: nothing was written)' : ''}.`;
  return [...lines, ...notes, summary].join('\n');
}

/**
 * `prophasis config export|apply` on the core's database, like the other commands of the CLI
 * (`user`, `token`, `backup`): it works whether the core runs or not. `partsOf` is the composition
 * root's wiring of the features' resources onto the opened database.
 */
export async function configCommand(argv: string[], partsOf: (db: Database) => ConfigParts): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { out: { type: 'string' }, 'dry-run': { type: 'boolean' }, prune: { type: 'boolean' } } });
  const [sub, file, ...rest] = positionals;
  const isExport = sub === 'export' && file === undefined && values['dry-run'] === undefined && values.prune === undefined;
  const isApply = sub === 'apply' && file !== undefined && rest.length === 0 && values.out === undefined;
  if (!isExport && !isApply) {
    console.error(CONFIG_USAGE);
    return 2;
  }
  const text = isApply ? await readFile(file!, 'utf8') : '';
  const config = readCoreConfig();
  const db = await createDatabase({ url: config.databaseUrl, sqlitePath: sqlitePath(config) }, { logger: createLogger({ name: 'core', level: 'warn' }) });
  let parts: ConfigParts | undefined;
  try {
    await db.migrate();
    parts = partsOf(db);
    const code = createConfigAsCode(parts);
    if (isExport) {
      const yaml = await code.exportYaml();
      if (values.out) {
        await writeFile(values.out, yaml, { mode: 0o600 });
        console.error(`Configuration written to ${values.out}.`);
      } else process.stdout.write(yaml);
      return 0;
    }
    const result = await code.apply(text, { dryRun: values['dry-run'] === true, prune: values.prune === true, actor: 'prophasis CLI' });
    console.log(describeChanges(result));
    // A running core computed its plans and alert rules before this change and hears of it only through its API.
    const running = result.changed && !result.dryRun ? await readRuntimeFacts(config.dataDir) : undefined;
    if (running?.state === 'running') {
      console.log(
        `The core running at ${running.facts.baseUrl} (pid ${running.facts.pid}) follows these changes after a restart; ` +
          'while it runs, apply through its API (POST /api/config/apply with an API token), which it follows at once.',
      );
    }
    return 0;
  } finally {
    await parts?.close();
    await db.close();
  }
}
